/**
 * What the runner needs from its collaborators, stated structurally so the
 * runner depends on behaviour, not on concrete classes (the model layer, the
 * data loader and the distributed context each satisfy these).
 */
import type { tf } from '../tf';

/** The classifier contract (see the Module layer): what a train/test step calls. */
export interface RunnerModel {
  readonly CLASSES?: string[];
  training: boolean;
  train(mode?: boolean): unknown;
  eval(): unknown;
  namedParameters(prefix?: string): Array<[string, tf.Variable]>;
  namedBuffers?(prefix?: string): Array<[string, tf.Variable]>;
  namedModules?(prefix?: string): Array<[string, unknown]>;
  stateDict(): Map<string, tf.Variable>;
  loadStateDict(sd: Map<string, unknown>, opts?: { strict?: boolean }): LoadReportLike;
  /** Named scalar losses/log values; every key containing 'loss' is summed. */
  forwardTrain(img: tf.Tensor4D, gtLabel: tf.Tensor1D): Record<string, tf.Scalar>;
  /** Softmax scores [B, numClasses]. */
  simpleTest(img: tf.Tensor4D): tf.Tensor2D;
  initWeights?(): Promise<void> | void;
  dispose?(): void;
}

export interface LoadReportLike {
  missing: string[];
  unexpected: string[];
  shapeMismatch: Array<{ key: string; expected: number[]; got: number[] }>;
}

/** One batch as the loader yields it (plain arrays; NHWC images). */
export interface DataBatch {
  img: { data: Float32Array; shape: number[] };
  gt_label?: Int32Array;
  indices: number[];
  img_metas?: object[];
}

/** A dataset as far as the runner and the eval hook are concerned. */
export interface DatasetLike {
  readonly CLASSES: string[];
  readonly length: number;
  gtLabels?(): Int32Array;
  evaluate?(
    results: Float32Array[],
    metrics?: string | string[],
    metricOptions?: Record<string, unknown>,
  ): Record<string, number | number[]> | Promise<Record<string, number | number[]>>;
}

/** A data loader: iterable (sync or async) over batches, one pass per epoch. */
export interface DataLoaderLike {
  /** Batches per epoch. */
  readonly length: number;
  readonly dataset?: DatasetLike;
  /** A sampler with an epoch (shuffle seed = seed + epoch). */
  readonly sampler?: { setEpoch?(epoch: number): void; set_epoch?(epoch: number): void };
  setEpoch?(epoch: number): void;
  [Symbol.asyncIterator]?(): AsyncIterator<DataBatch>;
  [Symbol.iterator]?(): Iterator<DataBatch>;
  close?(): Promise<void> | void;
}

/**
 * The process group the runner talks to. Single process: {@link SingleProcessDist}.
 * A multi-process implementation plugs in through the same interface.
 */
export interface DistContext {
  readonly rank: number;
  readonly worldSize: number;
  /** Averages gradients across ranks in place of the given map (returns the new map; inputs may be disposed). */
  allReduceMeanGrads(grads: Record<string, tf.Tensor>): Promise<Record<string, tf.Tensor>>;
  /** Copies rank 0's parameters and buffers into every rank's model. */
  broadcastWeights(model: RunnerModel): Promise<void>;
  barrier(): Promise<void>;
  /** Every rank's value, in rank order. */
  allGatherObjects<T>(obj: T): Promise<T[]>;
  /** Rank 0's value on every rank. */
  broadcastObject<T>(obj: T): Promise<T>;
}

/** The optimizer contract of `src/optim`. */
export interface OptimizerLike {
  paramGroups: Array<{ names: string[]; lr: number; initialLr: number; weightDecay: number; [k: string]: unknown }>;
  step(grads: Record<string, tf.Tensor>): void;
  stateDict(): unknown;
  loadStateDict(s: unknown): void;
  dispose(): void;
}
