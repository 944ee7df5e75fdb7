/**
 * `BaseClassifier`: the `Model` contract for classifiers written on device
 * tensors. A subclass implements `forwardTrain(inputs, gtLabel)` (losses)
 * and `simpleTest(inputs)` (softmax scores); the steps the runner calls run
 * the data preprocessor the model was constructed with, then those two.
 */
import { Type } from '@sinclair/typebox';
import type { tf } from '../tf';
import { Module } from '../nn/module';
import { batchToDevice } from '../nn/device-batch';
import { MODELS } from '../registry/root';
import { Component } from '../registry/schema';
import type { Batch } from '../contracts/data';
import type { DataPreprocessor, DeviceBatch, LossDict, Model } from '../contracts/model';

/**
 * The `data_preprocessor` key of a model's schema (spread it into yours):
 * a `MODELS` node such as `{ type: 'ClsDataPreprocessor', mean, std, to_rgb }`,
 * built before the model and passed to its constructor.
 */
export const DataPreprocessorProp = {
  // not a union with null: `withDefaults` would walk the built instance through it
  data_preprocessor: Type.Optional(Component<DataPreprocessor>(MODELS, { role: 'data_preprocessor', description: 'host batch -> device tensors (MMEngine data_preprocessor)' })),
};

export abstract class BaseClassifier extends Module implements Model {
  CLASSES?: string[];
  /** Host batch -> device tensors; null: the batch as the loader laid it out. */
  readonly dataPreprocessor: DataPreprocessor | null;

  constructor(dataPreprocessor: DataPreprocessor | null = null) {
    super();
    if (dataPreprocessor !== null && typeof dataPreprocessor.process !== 'function') {
      throw new Error(`data_preprocessor: expected a built data preprocessor with process(), got ${JSON.stringify(dataPreprocessor)}`);
    }
    this.dataPreprocessor = dataPreprocessor;
  }

  /** Training: named scalar losses and log values on device tensors; keys containing 'loss' are summed. */
  abstract forwardTrain(img: tf.Tensor4D, gtLabel: tf.Tensor1D): LossDict;
  /** Evaluation: softmax scores `[B, numClasses]` of NHWC images. */
  abstract simpleTest(img: tf.Tensor4D): tf.Tensor2D;

  /** The data preprocessor's device batch (none: the batch as laid out by the loader). */
  protected preprocess(batch: Batch, training: boolean, where: string): DeviceBatch {
    return this.dataPreprocessor ? this.dataPreprocessor.process(batch, training) : batchToDevice(batch, where);
  }

  trainStep(batch: Batch): LossDict {
    const { inputs, gtLabel } = this.preprocess(batch, true, 'train batch');
    if (!gtLabel) throw new Error('train step: the batch has no gt_label (is the train pipeline collecting it?)');
    return this.forwardTrain(inputs, gtLabel);
  }

  valStep(batch: Batch): tf.Tensor2D {
    return this.scores(batch, 'val batch');
  }

  testStep(batch: Batch): tf.Tensor2D {
    return this.scores(batch, 'test batch');
  }

  private scores(batch: Batch, where: string): tf.Tensor2D {
    const { inputs, gtLabel } = this.preprocess(batch, false, where);
    gtLabel?.dispose();
    return this.simpleTest(inputs);
  }
}
