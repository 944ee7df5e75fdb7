/**
 * Index samplers. The shuffle of an epoch is a function of (seed, epoch) only,
 * so every rank (and every worker count) sees the same order.
 */
import { Type, type Static } from '@sinclair/typebox';
import { SAMPLERS } from '../registry/root';
import { Rng } from '../utils/rng';

export interface Sampler {
  /** Indices this process yields per epoch. */
  readonly length: number;
  readonly epoch: number;
  setEpoch(epoch: number): void;
  /** The index order of the current epoch. */
  indices(): number[];
}

function lengthOf(dataset: unknown): number {
  const n = typeof dataset === 'number' ? dataset : (dataset as { length?: unknown })?.length;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0) throw new Error('sampler: `dataset` must be a dataset (with a length) or a sample count');
  return n;
}

/**
 * The `dataset` argument of a sampler schema: the dataset (or its length), filled in by the loader.
 * A union, so the builder hands the dataset object over as is instead of copying it as a plain object.
 */
export const SamplerDatasetProp = Type.Optional(
  Type.Union([Type.Integer({ minimum: 0 }), Type.Unknown()], { description: 'The dataset (or its length); filled in by the loader' }),
);

export const DefaultSamplerArgs = Type.Object(
  {
    dataset: SamplerDatasetProp,
    shuffle: Type.Optional(Type.Boolean({ default: true })),
    seed: Type.Optional(Type.Integer({ default: 0 })),
  },
  { additionalProperties: false },
);
export type DefaultSamplerArgs = Static<typeof DefaultSamplerArgs>;

/** Single-process sampler: a seeded permutation per epoch, or 0..n-1. */
@SAMPLERS.register({ name: 'DefaultSampler', schema: DefaultSamplerArgs, description: 'Sequential or seeded shuffled order' })
export class DefaultSampler implements Sampler {
  readonly n: number;
  readonly shuffle: boolean;
  readonly seed: number;
  epoch = 0;
  constructor(args: DefaultSamplerArgs) {
    this.n = lengthOf(args.dataset);
    this.shuffle = args.shuffle ?? true;
    this.seed = args.seed ?? 0;
  }
  get length() {
    return this.n;
  }
  setEpoch(epoch: number) {
    this.epoch = epoch;
  }
  indices(): number[] {
    return this.shuffle ? Rng.derive(this.seed, this.epoch).permutation(this.n) : Array.from({ length: this.n }, (_, i) => i);
  }
}

export const DistributedSamplerArgs = Type.Object(
  {
    dataset: SamplerDatasetProp,
    num_replicas: Type.Optional(Type.Integer({ minimum: 1, description: 'World size; filled in by the loader' })),
    rank: Type.Optional(Type.Integer({ minimum: 0, description: 'This process; filled in by the loader' })),
    shuffle: Type.Optional(Type.Boolean({ default: true })),
    round_up: Type.Optional(Type.Boolean({ default: true })),
    seed: Type.Optional(Type.Integer({ default: 0 })),
  },
  { additionalProperties: false },
);
export type DistributedSamplerArgs = Static<typeof DistributedSamplerArgs>;

/**
 * mmcls DistributedSampler: all ranks shuffle with the same (seed, epoch);
 * with round_up the list is padded by repetition to a multiple of the world
 * size; rank r takes r, r+W, r+2W, ...
 */
@SAMPLERS.register({ name: 'DistributedSampler', schema: DistributedSamplerArgs, description: 'Strided shards for data-parallel ranks' })
export class DistributedSampler implements Sampler {
  readonly n: number;
  readonly numReplicas: number;
  readonly rank: number;
  readonly shuffle: boolean;
  readonly roundUp: boolean;
  readonly seed: number;
  readonly numSamples: number;
  readonly totalSize: number;
  epoch = 0;
  constructor(args: DistributedSamplerArgs) {
    this.n = lengthOf(args.dataset);
    this.numReplicas = args.num_replicas ?? 1;
    this.rank = args.rank ?? 0;
    if (this.rank >= this.numReplicas) throw new Error(`DistributedSampler: rank ${this.rank} must be < num_replicas ${this.numReplicas}`);
    this.shuffle = args.shuffle ?? true;
    this.roundUp = args.round_up ?? true;
    this.seed = args.seed ?? 0;
    if (this.roundUp) {
      this.numSamples = Math.ceil(this.n / this.numReplicas);
      this.totalSize = this.numSamples * this.numReplicas;
    } else {
      this.totalSize = this.n;
      this.numSamples = Math.max(0, Math.ceil((this.n - this.rank) / this.numReplicas));
    }
  }
  get length() {
    return this.numSamples;
  }
  /** mmcv DistSamplerSeedHook calls this at the start of every epoch. */
  setEpoch(epoch: number) {
    this.epoch = epoch;
  }
  set_epoch(epoch: number) {
    this.setEpoch(epoch);
  }
  indices(): number[] {
    let idx = this.shuffle ? Rng.derive(this.seed, this.epoch).permutation(this.n) : Array.from({ length: this.n }, (_, i) => i);
    if (this.roundUp && this.n > 0) {
      const padded: number[] = [];
      while (padded.length < this.totalSize) padded.push(...idx);
      idx = padded.slice(0, this.totalSize);
    }
    const out: number[] = [];
    for (let i = this.rank; i < this.totalSize; i += this.numReplicas) out.push(idx[i]);
    return out;
  }
}
