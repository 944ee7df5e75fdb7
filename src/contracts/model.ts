/**
 * The model contract the runner calls: `trainStep` / `valStep` / `testStep`
 * on a collated `Batch`, with a data preprocessor that turns the host batch
 * into device tensors once (layout, colour order, normalisation).
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

/**
 * The steps the runner calls. The optimizer update is not the model's: the
 * runner differentiates the sum of `trainStep`'s 'loss' keys over the
 * trainable parameters and the optimizer hook (clipping, gradient
 * accumulation, distributed averaging) applies the gradients, which is the
 * job MMEngine's `OptimWrapper` does.
 */
export interface ModelSteps {
  /** Losses of a training batch (called inside the runner's gradient tape). */
  trainStep(batch: Batch): LossDict;
  /** Class scores `[B, numClasses]` (softmax) of a validation batch. */
  valStep(batch: Batch): tf.Tensor2D;
  /** Class scores `[B, numClasses]` (softmax) of a test batch. */
  testStep(batch: Batch): tf.Tensor2D;
}
