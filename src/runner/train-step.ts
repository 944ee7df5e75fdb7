/**
 * One forward/backward of the model on a batch. Gradients come from
 * `tf.variableGrads` over the trainable parameters of the sum of every loss
 * whose key contains 'loss'; every other tensor made here is disposed, so the
 * tensor count does not grow across iterations.
 */
import { tf } from '../tf';
import type { Batch } from '../contracts/data';
import type { Model } from '../contracts/model';
import { variableGradsReleasing } from '../nn/tape-release';
import { batchToDevice } from '../nn/device-batch';

export interface TrainStepOutput {
  /** Gradient per full parameter name; the caller (OptimizerHook) disposes them. */
  grads: Record<string, tf.Tensor>;
  /**
   * Scalar values for logging, still on the device: every returned key plus
   * the summed `loss`. The caller owns them (the runner hands them to its
   * LogBuffer, which reads them once per log interval).
   */
  logVars: Record<string, tf.Scalar>;
  numSamples: number;
}

/** The batch image as an NHWC float32 tensor and the labels as int32 (no data preprocessor). */
export function batchToTensors(batch: Batch, where = 'batch'): { img: tf.Tensor4D; gtLabel?: tf.Tensor1D } {
  const { inputs, gtLabel } = batchToDevice(batch, where);
  return { img: inputs, gtLabel };
}

/** Maps tfjs variable names back to the model's parameter names. */
export function trainableParams(model: Model): Array<[string, tf.Variable]> {
  return model.namedParameters().filter(([, v]) => v.trainable);
}

export function trainStep(model: Model, batch: Batch, params = trainableParams(model)): TrainStepOutput {
  if (!batch.gt_label) throw new Error('train step: the batch has no gt_label (is the train pipeline collecting it?)');
  const kept: Record<string, tf.Scalar> = {};
  try {
    const byVarName = new Map(params.map(([n, v]) => [v.name, n]));
    const { value, grads } = variableGradsReleasing(() => {
      // the model's trainStep (data preprocessor + forward); tensors it makes stay inside the tape
      const losses = model.trainStep(batch);
      const lossTerms: tf.Scalar[] = [];
      for (const [k, t] of Object.entries(losses)) {
        kept[k] = tf.keep(t);
        if (k.includes('loss')) lossTerms.push(t);
      }
      if (lossTerms.length === 0) {
        throw new Error(`train step: the model's trainStep returned no key containing 'loss' (got: ${Object.keys(losses).join(', ')})`);
      }
      return (lossTerms.length === 1 ? lossTerms[0] : tf.addN(lossTerms)) as tf.Scalar;
    }, params.map(([, v]) => v));
    const out: Record<string, tf.Tensor> = {};
    for (const [vn, g] of Object.entries(grads)) {
      const name = byVarName.get(vn);
      if (name === undefined) {
        g.dispose();
        continue;
      }
      out[name] = g;
    }
    // no device read here: a NaN loss is reported when the values are logged
    // `loss` is the summed loss (mmcv parse_losses), replacing a returned `loss` key; with one
    // loss term under another name `value` is that term's own tensor, so it is logged as a copy
    const logVars: Record<string, tf.Scalar> = { ...kept };
    const returnedLoss = logVars.loss;
    logVars.loss = Object.entries(kept).some(([k, t]) => t === value && k !== 'loss') ? tf.clone(value) : value;
    if (returnedLoss && returnedLoss !== value) returnedLoss.dispose();
    for (const k of Object.keys(kept)) delete kept[k];
    return { grads: out, logVars, numSamples: batch.indices.length };
  } finally {
    // only left here when the step failed before handing them over
    for (const t of Object.values(kept)) t.dispose();
  }
}
