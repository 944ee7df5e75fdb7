import type { tf } from '../tf';
import type { Module } from './module';

/** What the runner calls on a model (the shared Classifier contract). */
export interface Classifier extends Module {
  /** Class names, from the dataset or the checkpoint meta. */
  readonly CLASSES?: string[];
  /** Training: named scalar losses and log values; every key containing 'loss' is summed. */
  forwardTrain(img: tf.Tensor4D, gtLabel: tf.Tensor1D): Record<string, tf.Scalar>;
  /** Eval: softmax scores [B, numClasses]. */
  simpleTest(img: tf.Tensor4D): tf.Tensor2D;
  /** Loads the config's `pretrained` files (called by the runner after build). */
  initWeights?(): Promise<void> | void;
}
