/**
 * The data contracts: one batch type (what the loader yields and the data
 * preprocessor reads) and one dataset type (what the loader, the runner and
 * the eval hook use), plus the per-sample dict transforms pass along.
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


/** One host-side image tensor: `data` row-major over `shape`. */
export interface HostTensor<A extends Float32Array | Uint8Array = Float32Array> {
  data: A;
  shape: number[];
}

/**
 * A collated batch as the loader yields it (plain typed arrays, built in
 * worker threads): `img` is NHWC float32 `[B, H, W, C]`, in the colour order
 * and value range the pipeline left it (the model's `data_preprocessor`
 * normalises it, unless the pipeline's `Normalize` already did).
 */
export interface Batch {
  img: HostTensor;
  /** Class index per sample (absent for unlabelled data). */
  gt_label?: Int32Array;
  /** Dataset indices of the samples, in batch order. */
  indices: number[];
  /** Per-sample meta from `Collect` (file name, shapes, flip...). */
  img_metas?: Array<Record<string, unknown>>;
}

/** Metric results: a number per metric (a list for per-class or top-k lists). */
export type EvalResults = Record<string, number | number[]>;

/** A dataset: what the loader, the runner and the eval hook call. See `BaseDataset`. */
export interface DatasetLike {
  readonly CLASSES: string[];
  readonly length: number;
  /** Short name for messages, e.g. `RAF(test.txt)`. */
  readonly name: string;
  gtLabels(): Int32Array;
  getAnnInfo(i: number): { gt_label: number; [k: string]: unknown };
  /** Runs the pipeline on sample `i` with the per-sample generator `rng`; `null` when a transform dropped it. */
  getItem(i: number, rng: Rng): Promise<Results | null>;
  classCounts(): number[];
  evaluate(results: Float32Array[], metrics?: string | string[], metricOptions?: Record<string, unknown>): EvalResults;
}

/** The part of a dataset the runner and the eval hook read (loaders from tests may carry only this). */
export interface EvalDataset extends Pick<DatasetLike, 'CLASSES' | 'length'>, Partial<Pick<DatasetLike, 'gtLabels'>> {
  /** As `DatasetLike.evaluate`; may also be async. */
  evaluate?(results: Float32Array[], metrics?: string | string[], metricOptions?: Record<string, unknown>): EvalResults | Promise<EvalResults>;
}
