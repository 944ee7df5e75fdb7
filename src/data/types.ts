/**
 * Data contracts shared by datasets, transforms, the loader and the runner.
 *
 * Images travel as plain typed arrays so they can cross worker threads
 * without copies: HWC uint8 BGR (like mmcv) until `ImageToTensor` turns them
 * into CHW float32.
 */
import type { Rng } from '../utils/rng';

/** Memory layout of an {@link ImageArray}. */
export type ImageLayout = 'HWC' | 'CHW';

/** An image or tensor: `data` row-major over `shape`. */
export interface ImageArray {
  data: Uint8Array | Float32Array;
  /** `[H, W, C]` for HWC (the default), `[C, H, W]` for CHW. */
  shape: [number, number, number];
  /** Absent means HWC. */
  layout?: ImageLayout;
}

/** The per-sample dict every transform reads and returns (mmcls `results`). */
export interface Results {
  img?: ImageArray;
  gt_label?: number;
  img_prefix?: string | null;
  img_info?: { filename: string; [k: string]: unknown };
  filename?: string;
  ori_filename?: string;
  ori_shape?: number[];
  img_shape?: number[];
  img_metas?: Record<string, unknown>;
  /** Name of the dataset (used in error messages). */
  dataset?: string;
  /** Index of the sample inside its dataset. */
  index?: number;
  [key: string]: unknown;
}

/**
 * A pipeline step. `rng` is the per-sample generator (derived by the loader
 * from seed, epoch and index); random transforms draw ONLY from it.
 * Returning `null` drops the sample. Loading transforms may be async.
 */
export interface Transform {
  transform(results: Results, rng: Rng): Results | null | Promise<Results | null>;
}

/** A collated batch as the loader yields it (plain arrays, built in worker threads). */
export interface Batch {
  /** NHWC float32 `[B, H, W, C]`. */
  img: { data: Float32Array; shape: [number, number, number, number] };
  gt_label?: Int32Array;
  /** Dataset indices of the samples, in batch order. */
  indices: number[];
  img_metas: Array<Record<string, unknown>>;
}

/** What a dataset must offer the loader and the runner. */
export interface DatasetLike {
  readonly CLASSES: string[];
  readonly length: number;
  /** Short name for messages, e.g. `RAF(test.txt)`. */
  readonly name: string;
  gtLabels(): Int32Array;
  getAnnInfo(i: number): { gt_label: number; [k: string]: unknown };
  /** Runs the pipeline on sample `i`; `null` when a transform dropped it. */
  getItem(i: number, rng: Rng): Promise<Results | null>;
  classCounts(): number[];
  evaluate(results: Float32Array[], metrics?: string | string[], metricOptions?: Record<string, unknown>): Record<string, number | number[]>;
}
