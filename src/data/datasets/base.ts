import * as fs from 'fs';
import { Type } from '@sinclair/typebox';
import { TRANSFORMS } from '../../registry/root';
import { Component } from '../../registry/schema';
import { serviceOf, type BuildContext } from '../../registry/registry';
import type { Rng } from '../../utils/rng';
import type { DatasetLike, Results, Transform } from '../types';
import { LOGGER } from '../../contracts/services';
import type { Logger } from '../../contracts/logger';
import { Compose, runPipeline, type PipelineEntry } from '../transforms/compose';
import { evaluateScores } from './evaluate';
import type { MetricOptions } from '../../metrics/evaluate';

/** Class order of the FER models (APViT FER_CLASSES[:7]). */
export const FER_CLASSES = ['Anger', 'Disgust', 'Fear', 'Sadness', 'Happiness', 'Surprise', 'Neutral'];

/** One annotated sample. */
export interface DataInfo {
  img_prefix: string | null;
  img_info: { filename: string; [k: string]: unknown };
  gt_label: number;
  /** Decoded image for in-memory datasets (FER2013). */
  img?: { data: Uint8Array; shape: [number, number, number] };
  [k: string]: unknown;
}

/** Schema pieces every file-based dataset shares (mmcls BaseDataset arguments). */
export const BaseDatasetProps = {
  data_prefix: Type.String({ description: 'Folder the image file names are relative to' }),
  pipeline: Type.Array(Component<Transform>(TRANSFORMS), { default: [], description: 'Transforms run on every sample' }),
  classes: Type.Optional(Type.Union([Type.Null(), Type.Array(Type.String(), { minItems: 1 }), Type.String()], { description: 'Class names (list, or a file with one per line)' })),
  test_mode: Type.Optional(Type.Boolean({ default: false })),
  skip_invalid: Type.Optional(Type.Boolean({ default: false, description: 'Skip (with a warning) samples whose image is missing or undecodable' })),
};

export interface BaseDatasetArgs {
  data_prefix: string;
  ann_file?: string | null;
  pipeline?: PipelineEntry[];
  classes?: string[] | string | null;
  test_mode?: boolean;
  skip_invalid?: boolean;
}

/** mmcls get_classes: a list, or a text file with one class name per line. */
export function resolveClasses(classes: string[] | string | null | undefined, fallback: string[]): string[] {
  if (classes === undefined || classes === null) return [...fallback];
  if (Array.isArray(classes)) return [...classes];
  let text: string;
  try {
    text = fs.readFileSync(classes, 'utf8');
  } catch {
    throw new Error(`classes: cannot read class-name file ${classes}`);
  }
  return text.split(/\r?\n/).map((s) => s.trim()).filter((s) => s.length > 0);
}

/**
 * mmcls BaseDataset with MMEngine's lazy init: the constructor only stores the
 * arguments; annotations are loaded (and their labels checked) on first use,
 * or by an explicit `fullInit()`. So `loadAnnotations` runs after the
 * subclass's constructor and may read the subclass's own fields. A subclass
 * that wants errors at construction calls `this.fullInit()` at the end of its
 * own constructor.
 */
export abstract class BaseDataset implements DatasetLike {
  CLASSES: string[];
  readonly pipeline: Compose;
  readonly testMode: boolean;
  readonly skipInvalid: boolean;
  readonly dataPrefix: string;
  readonly annFile: string | null;
  /** The constructor arguments (subclasses read their own keys in loadAnnotations). */
  protected readonly rawArgs: BaseDatasetArgs & Record<string, unknown>;
  /** The run's logger when a run built this dataset (loader workers and direct construction: none). */
  protected readonly logger?: Logger;
  private warned = new Set<number>();
  private infos: DataInfo[] | null = null;

  constructor(args: BaseDatasetArgs, defaultClasses: string[], ctx?: Partial<BuildContext>) {
    this.rawArgs = args as BaseDatasetArgs & Record<string, unknown>;
    this.dataPrefix = args.data_prefix;
    this.annFile = args.ann_file ?? null;
    this.testMode = args.test_mode ?? false;
    this.skipInvalid = args.skip_invalid ?? false;
    this.CLASSES = resolveClasses(args.classes, defaultClasses);
    this.pipeline = new Compose(args.pipeline ?? [], { path: `${ctx?.path ?? 'dataset'}.pipeline` });
    this.logger = serviceOf(ctx, LOGGER);
  }

  /** True once the annotations are loaded. */
  get fullyInitialized(): boolean {
    return this.infos !== null;
  }

  /** Loads the annotations and checks every label (once; later calls do nothing). MMEngine's `full_init`. */
  fullInit(): void {
    if (this.infos) return;
    const infos = this.loadAnnotations();
    for (const [i, d] of infos.entries()) {
      if (!(Number.isInteger(d.gt_label) && d.gt_label >= 0 && d.gt_label < this.CLASSES.length)) {
        const where = (d.source as string | undefined) ?? `sample ${i}`;
        throw new Error(`${where}: label ${d.gt_label} is out of range for ${this.CLASSES.length} classes (${this.CLASSES.join(', ')})`);
      }
    }
    this.infos = infos;
  }

  /** The annotations, loaded on first access. */
  get dataInfos(): DataInfo[] {
    if (!this.infos) this.fullInit();
    return this.infos!;
  }

  /** Type name used in messages. */
  abstract get typeName(): string;
  protected abstract loadAnnotations(): DataInfo[];

  get name(): string {
    return `${this.typeName}(${this.annFile ?? this.dataPrefix})`;
  }
  get length(): number {
    return this.dataInfos.length;
  }
  getAnnInfo(i: number): DataInfo {
    return this.dataInfos[i];
  }
  gtLabels(): Int32Array {
    return Int32Array.from(this.dataInfos, (d) => d.gt_label);
  }
  classCounts(): number[] {
    const c = new Array(this.CLASSES.length).fill(0);
    for (const d of this.dataInfos) c[d.gt_label]++;
    return c;
  }
  /** Class indices present in sample i (single-label: one). */
  getCatIds(i: number): number[] {
    return [this.dataInfos[i].gt_label];
  }

  async getItem(i: number, rng: Rng): Promise<Results | null> {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`${this.name}: index ${i} out of range [0, ${this.length})`);
    const info = this.dataInfos[i];
    const results: Results = {
      img_prefix: info.img_prefix,
      img_info: { ...info.img_info },
      gt_label: info.gt_label,
      dataset: this.name,
      index: i,
    };
    if (info.img) results.img = { data: info.img.data.slice(), shape: [...info.img.shape] as [number, number, number] };
    try {
      return await runPipeline(this.pipeline.transforms, results, rng);
    } catch (e) {
      const msg = (e as Error).message;
      const named = msg.includes(this.name) ? msg : `${msg} (dataset ${this.name}, sample ${i})`;
      if (this.skipInvalid) {
        if (!this.warned.has(i)) {
          this.warned.add(i);
          console.warn(`[data] skipping invalid sample: ${named}`);
        }
        return null;
      }
      const err = new Error(named);
      err.stack = `Error: ${named}\n${((e as Error).stack ?? '').split('\n').slice(1).join('\n')}`;
      throw err;
    }
  }

  evaluate(results: Float32Array[], metrics: string | string[] = 'accuracy', metricOptions: MetricOptions = {}): Record<string, number | number[]> {
    return evaluateScores(results, this.gtLabels(), metrics, metricOptions, this.name, this.CLASSES);
  }
}
