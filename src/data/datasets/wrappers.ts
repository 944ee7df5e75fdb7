/**
 * Dataset wrappers (mmcls dataset_wrappers): ConcatDataset, RepeatDataset and
 * ClassBalancedDataset. They map an index to (inner dataset, inner index) and
 * delegate loading; evaluation runs on the wrapper's own label order.
 */
import { Type, type Static } from '@sinclair/typebox';
import { DATASETS } from '../../registry/root';
import { Component } from '../../registry/schema';
import type { Rng } from '../../utils/rng';
import type { DatasetLike, Results } from '../types';
import { evaluateScores } from './evaluate';
import type { MetricOptions } from '../../metrics/evaluate';

abstract class WrapperBase implements DatasetLike {
  abstract get CLASSES(): string[];
  abstract get length(): number;
  abstract get name(): string;
  /** (dataset, inner index) of wrapper index i. */
  protected abstract locate(i: number): [DatasetLike, number];

  getAnnInfo(i: number) {
    const [d, j] = this.locate(i);
    return d.getAnnInfo(j);
  }
  gtLabels(): Int32Array {
    const out = new Int32Array(this.length);
    for (let i = 0; i < this.length; i++) out[i] = this.getAnnInfo(i).gt_label;
    return out;
  }
  classCounts(): number[] {
    const c = new Array(this.CLASSES.length).fill(0);
    for (const l of this.gtLabels()) c[l]++;
    return c;
  }
  async getItem(i: number, rng: Rng): Promise<Results | null> {
    if (!(i >= 0 && i < this.length)) throw new RangeError(`${this.name}: index ${i} out of range [0, ${this.length})`);
    const [d, j] = this.locate(i);
    return d.getItem(j, rng);
  }
  evaluate(results: Float32Array[], metrics: string | string[] = 'accuracy', metricOptions: MetricOptions = {}) {
    return evaluateScores(results, this.gtLabels(), metrics, metricOptions, this.name, this.CLASSES);
  }
}

function checkDataset(d: unknown, path: string): DatasetLike {
  const ds = d as DatasetLike;
  if (!ds || typeof ds.getItem !== 'function' || typeof ds.length !== 'number') throw new Error(`${path} is not a built dataset`);
  return ds;
}

export const ConcatDatasetArgs = Type.Object(
  {
    datasets: Type.Array(Component<DatasetLike>(DATASETS), { minItems: 1 }),
    separate_eval: Type.Optional(Type.Boolean({ default: false, description: 'Accepted for mmcls compatibility; evaluation is joint' })),
  },
  { additionalProperties: false },
);
export type ConcatDatasetArgs = Static<typeof ConcatDatasetArgs>;

/** Concatenation; CLASSES come from the first dataset and must agree across all. */
@DATASETS.register({ name: 'ConcatDataset', schema: ConcatDatasetArgs, description: 'Concatenates datasets' })
export class ConcatDataset extends WrapperBase {
  readonly datasets: DatasetLike[];
  readonly cumulativeSizes: number[];
  constructor(args: { datasets: unknown[] }) {
    super();
    this.datasets = args.datasets.map((d, i) => checkDataset(d, `ConcatDataset.datasets.${i}`));
    const first = this.datasets[0].CLASSES.join('|');
    this.datasets.forEach((d, i) => {
      if (d.CLASSES.join('|') !== first) throw new Error(`ConcatDataset: datasets.${i} (${d.name}) has classes [${d.CLASSES.join(', ')}], datasets.0 has [${this.datasets[0].CLASSES.join(', ')}]`);
    });
    let s = 0;
    this.cumulativeSizes = this.datasets.map((d) => (s += d.length));
  }
  get CLASSES() {
    return this.datasets[0].CLASSES;
  }
  get length() {
    return this.cumulativeSizes[this.cumulativeSizes.length - 1];
  }
  get name() {
    return `ConcatDataset(${this.datasets.map((d) => d.name).join(', ')})`;
  }
  protected locate(i: number): [DatasetLike, number] {
    let k = 0;
    while (i >= this.cumulativeSizes[k]) k++;
    return [this.datasets[k], k === 0 ? i : i - this.cumulativeSizes[k - 1]];
  }
}

export const RepeatDatasetArgs = Type.Object(
  { dataset: Component<DatasetLike>(DATASETS), times: Type.Integer({ minimum: 1 }) },
  { additionalProperties: false },
);
export type RepeatDatasetArgs = Static<typeof RepeatDatasetArgs>;

/** Repeats a dataset `times` times (short epochs for small datasets). */
@DATASETS.register({ name: 'RepeatDataset', schema: RepeatDatasetArgs, description: 'Repeats a dataset N times' })
export class RepeatDataset extends WrapperBase {
  readonly dataset: DatasetLike;
  readonly times: number;
  constructor(args: { dataset: unknown; times: number }) {
    super();
    this.dataset = checkDataset(args.dataset, 'RepeatDataset.dataset');
    this.times = args.times;
  }
  get CLASSES() {
    return this.dataset.CLASSES;
  }
  get length() {
    return this.dataset.length * this.times;
  }
  get name() {
    return `RepeatDataset(${this.dataset.name} x${this.times})`;
  }
  protected locate(i: number): [DatasetLike, number] {
    return [this.dataset, i % this.dataset.length];
  }
}

export const ClassBalancedDatasetArgs = Type.Object(
  {
    dataset: Component<DatasetLike>(DATASETS),
    oversample_thr: Type.Number({ exclusiveMinimum: 0, description: 'Classes rarer than this frequency are repeated' }),
    method: Type.Optional(Type.Literal('sqrt', { default: 'sqrt' })),
  },
  { additionalProperties: false },
);
export type ClassBalancedDatasetArgs = Static<typeof ClassBalancedDatasetArgs>;

/**
 * Repeat factors per image: r_c = max(1, sqrt(thr / f_c)) from the class
 * frequency f_c; image i is repeated ceil(max over its classes) times,
 * deterministically (indices listed in order, repeats adjacent).
 */
export function classBalancedRepeatFactors(labels: ArrayLike<number>, numClasses: number, thr: number): number[] {
  const n = labels.length;
  const count = new Array(numClasses).fill(0);
  for (let i = 0; i < n; i++) count[labels[i]]++;
  const classRepeat = count.map((c) => (c > 0 ? Math.max(1, Math.sqrt(thr / (c / n))) : 1));
  return Array.from(labels, (l) => classRepeat[l]);
}

@DATASETS.register({ name: 'ClassBalancedDataset', schema: ClassBalancedDatasetArgs, description: 'Oversamples rare classes (sqrt repeat factors)' })
export class ClassBalancedDataset extends WrapperBase {
  readonly dataset: DatasetLike;
  readonly repeatFactors: number[];
  readonly repeatIndices: number[];
  constructor(args: { dataset: unknown; oversample_thr: number; method?: 'sqrt' }) {
    super();
    if ((args.method ?? 'sqrt') !== 'sqrt') throw new Error(`ClassBalancedDataset: method '${args.method}' is not supported (only 'sqrt')`);
    this.dataset = checkDataset(args.dataset, 'ClassBalancedDataset.dataset');
    this.repeatFactors = classBalancedRepeatFactors(this.dataset.gtLabels(), this.dataset.CLASSES.length, args.oversample_thr);
    this.repeatIndices = [];
    this.repeatFactors.forEach((r, i) => {
      for (let k = 0; k < Math.ceil(r); k++) this.repeatIndices.push(i);
    });
  }
  get CLASSES() {
    return this.dataset.CLASSES;
  }
  get length() {
    return this.repeatIndices.length;
  }
  get name() {
    return `ClassBalancedDataset(${this.dataset.name})`;
  }
  protected locate(i: number): [DatasetLike, number] {
    return [this.dataset, this.repeatIndices[i]];
  }
}
