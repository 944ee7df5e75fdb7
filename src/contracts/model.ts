/**
 * The model contract (MMEngine's `BaseModel`): the runner, the hooks, the
 * test and inference APIs call `trainStep` / `valStep` / `testStep` on a
 * collated `Batch` and the parameter/state methods of a `Module`; nothing
 * else. The data preprocessor, which turns the host batch into device
 * tensors once, is the model's own (given at construction from the config's
 * `model.data_preprocessor`).
 */
import type { tf } from '../tf';
import type { Batch } from './data';

/** Named scalar losses and log values; every key containing 'loss' is summed into the training loss. */
export type LossDict = Record<string, tf.Scalar>;

/** A batch on the device: NHWC float32 inputs and int32 labels. */
export interface DeviceBatch {
  /** `[B, H, W, C]` float32. */
  inputs: tf.Tensor4D;
  /** `[B]` int32 class indices (absent for unlabelled data). */
  gtLabel?: tf.Tensor1D;
}

/** MMEngine's `data_preprocessor`: host batch -> device tensors (owns layout and normalisation). */
export interface DataPreprocessor {
  /** `training` is true in trainStep (batch augmentations such as mixup belong there). */
  process(batch: Batch, training: boolean): DeviceBatch;
}

/** What loading a state dict reports (`Module.loadStateDict`). */
export interface LoadReport {
  missing: string[];
  unexpected: string[];
  shapeMismatch: Array<{ key: string; expected: number[]; got: number[] }>;
}

/**
 * A model as the runner sees it. The optimizer update is not the model's:
 * the runner differentiates the sum of `trainStep`'s 'loss' keys over the
 * trainable parameters and the optimizer hook (clipping, gradient
 * accumulation, distributed averaging) applies the gradients, which is the
 * job MMEngine's `OptimWrapper` does. Every tensor a step creates must be
 * released: the runner calls the steps inside its gradient tape or `tf.tidy`.
 */
export interface Model {
  /** Losses of a training batch (called inside the runner's gradient tape). */
  trainStep(batch: Batch): LossDict;
  /** Class scores `[B, numClasses]` (softmax) of a validation batch. */
  valStep(batch: Batch): tf.Tensor2D;
  /** Class scores `[B, numClasses]` (softmax) of a test batch. */
  testStep(batch: Batch): tf.Tensor2D;

  // --- what a `Module` (src/nn/module.ts) already has ---
  /** Class names, when the model knows them (checkpoints record them). */
  readonly CLASSES?: string[];
  readonly training: boolean;
  train(mode?: boolean): unknown;
  eval(): unknown;
  namedParameters(prefix?: string): Array<[string, tf.Variable]>;
  namedBuffers?(prefix?: string): Array<[string, tf.Variable]>;
  namedModules?(prefix?: string): Array<[string, unknown]>;
  stateDict(): Map<string, tf.Variable>;
  loadStateDict(sd: Map<string, unknown>, opts?: { strict?: boolean }): LoadReport;
  /** Loads the config's `pretrained` files (called once after build). */
  initWeights?(): Promise<void> | void;
  dispose?(): void;
}
