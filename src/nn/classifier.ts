/**
 * The classifier contract and its base class. A classifier implements
 * `forwardTrain(inputs, gtLabel)` (losses) and `simpleTest(inputs)` (softmax
 * scores) on device tensors; the base class adds the batch-level steps the
 * runner calls (`trainStep` / `valStep` / `testStep`), which run the model's
 * `dataPreprocessor` first. Models that are not subclasses keep working: the
 * `*StepOf` helpers give them the same default steps.
 */
import { tf } from '../tf';
import { Module } from './module';
import type { Batch } from '../contracts/data';
import type { DataPreprocessor, DeviceBatch, LossDict, ModelSteps } from '../contracts/model';

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

/** The parts of a model the default steps use. */
export interface StepModel {
  dataPreprocessor?: DataPreprocessor | null;
  forwardTrain?(img: tf.Tensor4D, gtLabel: tf.Tensor1D): LossDict;
  simpleTest?(img: tf.Tensor4D): tf.Tensor2D;
  trainStep?(batch: Batch): LossDict;
  valStep?(batch: Batch): tf.Tensor2D;
  testStep?(batch: Batch): tf.Tensor2D;
}

/** The batch as it comes from the loader: NHWC float32 inputs, int32 labels; no normalisation. */
export function batchToDevice(batch: Batch, where = 'batch'): DeviceBatch {
  const shape = batch.img.shape;
  if (shape.length !== 4) throw new Error(`${where}: img must be NHWC [B,H,W,C], got shape [${shape.join(',')}]`);
  const inputs = tf.tensor4d(batch.img.data, shape as [number, number, number, number], 'float32');
  const gtLabel = batch.gt_label ? tf.tensor1d(batch.gt_label, 'int32') : undefined;
  return { inputs, gtLabel };
}

/** Runs the model's data preprocessor (none: the batch as laid out by the loader). */
export function preprocessBatch(model: StepModel, batch: Batch, training: boolean, where = 'batch'): DeviceBatch {
  return model.dataPreprocessor ? model.dataPreprocessor.process(batch, training) : batchToDevice(batch, where);
}

/** `model.trainStep(batch)`, or the default: preprocess, then `forwardTrain(inputs, gtLabel)`. */
export function trainStepOf(model: StepModel, batch: Batch): LossDict {
  if (model.trainStep) return model.trainStep(batch);
  if (!model.forwardTrain) throw new Error('train step: the model has neither trainStep() nor forwardTrain()');
  const { inputs, gtLabel } = preprocessBatch(model, batch, true, 'train batch');
  if (!gtLabel) throw new Error('train step: the batch has no gt_label (is the train pipeline collecting it?)');
  return model.forwardTrain(inputs, gtLabel);
}

function scoresOf(model: StepModel, batch: Batch, where: string): tf.Tensor2D {
  if (!model.simpleTest) throw new Error(`${where}: the model has neither a ${where.split(' ')[0]}Step() nor simpleTest()`);
  const { inputs, gtLabel } = preprocessBatch(model, batch, false, `${where} batch`);
  gtLabel?.dispose();
  return model.simpleTest(inputs);
}

/** `model.valStep(batch)`, or the default: preprocess, then `simpleTest(inputs)`. Call inside tf.tidy. */
export function valStepOf(model: StepModel, batch: Batch): tf.Tensor2D {
  return model.valStep ? model.valStep(batch) : scoresOf(model, batch, 'val');
}

/** `model.testStep(batch)`, or the default: preprocess, then `simpleTest(inputs)`. Call inside tf.tidy. */
export function testStepOf(model: StepModel, batch: Batch): tf.Tensor2D {
  return model.testStep ? model.testStep(batch) : scoresOf(model, batch, 'test');
}

/**
 * Base class of classifiers: subclasses implement `forwardTrain` and
 * `simpleTest` on device tensors; the batch steps and the data preprocessor
 * (`data_preprocessor` in the model config, set by the builder) come from here.
 * Override a step only to change what a step does with a batch.
 */
export abstract class BaseClassifier extends Module implements Classifier, ModelSteps {
  CLASSES?: string[];
  /** Host batch -> device tensors; null: the batch as the loader laid it out. */
  dataPreprocessor: DataPreprocessor | null = null;

  abstract forwardTrain(img: tf.Tensor4D, gtLabel: tf.Tensor1D): LossDict;
  abstract simpleTest(img: tf.Tensor4D): tf.Tensor2D;

  trainStep(batch: Batch): LossDict {
    return trainStepOf({ dataPreprocessor: this.dataPreprocessor, forwardTrain: (i, g) => this.forwardTrain(i, g) }, batch);
  }
  valStep(batch: Batch): tf.Tensor2D {
    return scoresOf({ dataPreprocessor: this.dataPreprocessor, simpleTest: (i) => this.simpleTest(i) }, batch, 'val');
  }
  testStep(batch: Batch): tf.Tensor2D {
    return scoresOf({ dataPreprocessor: this.dataPreprocessor, simpleTest: (i) => this.simpleTest(i) }, batch, 'test');
  }
}
