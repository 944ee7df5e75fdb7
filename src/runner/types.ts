/**
 * What the runner needs from its collaborators, stated structurally so the
 * runner depends on behaviour, not on concrete classes (the model layer, the
 * data loader and the distributed context each satisfy these).
 */
import type { tf } from '../tf';
import type { Batch, EvalDataset } from '../contracts/data';
import type { DistContext } from '../contracts/dist';
import type { DataPreprocessor, LossDict } from '../contracts/model';

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
  /** Host batch -> device tensors (the config's `model.data_preprocessor`); none: the batch as laid out. */
  dataPreprocessor?: DataPreprocessor | null;
  /** The batch steps (see `src/contracts/model.ts`); without them the runner runs the defaults over forwardTrain/simpleTest. */
  trainStep?(batch: Batch): LossDict;
  valStep?(batch: Batch): tf.Tensor2D;
  testStep?(batch: Batch): tf.Tensor2D;
  /** Named scalar losses/log values on device tensors; every key containing 'loss' is summed. */
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

/** One batch as the loader yields it (the `Batch` contract; NHWC images). */
export type DataBatch = Batch;

/** A dataset as far as the runner and the eval hook are concerned (derived from the one `DatasetLike`). */
export type DatasetLike = EvalDataset;

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

/** The process group the runner talks to (the `DistContext` contract). */
export type { DistContext };

/** The optimizer contract of `src/optim`. */
export interface OptimizerLike {
  paramGroups: Array<{ names: string[]; lr: number; initialLr: number; weightDecay: number; [k: string]: unknown }>;
  step(grads: Record<string, tf.Tensor>): void;
  stateDict(): unknown;
  loadStateDict(s: unknown): void;
  dispose(): void;
}
