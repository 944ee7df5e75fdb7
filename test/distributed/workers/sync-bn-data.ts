/** Inputs of the SyncBatchNorm test, shared by the test (1 rank, batch 2B) and its worker (W ranks, batch B). */
import { tf } from '../../../src/tf';
import { Rng } from '../../../src/utils/rng';
import type { BatchNorm2d } from '../../../src/nn/layers/norm';

export const C = 3;
export const HW = 2;
export const B = 4;

/** Samples [start, start + n) of a fixed NHWC set with per-channel offsets and scales. */
export function input(start: number, n: number, step: number): tf.Tensor4D {
  const vals: number[] = [];
  for (let i = start; i < start + n; i++) {
    const rng = Rng.derive(7 + step, i);
    for (let p = 0; p < HW * HW; p++) for (let c = 0; c < C; c++) vals.push(rng.normal() * (1 + c) + c - 1);
  }
  return tf.tensor4d(vals, [n, HW, HW, C]);
}

/** A fixed linear read-out so the loss gives every output element its own gradient. */
export function readout(): tf.Tensor {
  const rng = new Rng(3);
  return tf.tensor(Array.from({ length: HW * HW * C }, () => rng.normal()), [1, HW, HW, C]);
}

/** Mean over the batch of <y_i, readout>, like a per-rank mean loss under DDP. */
export function loss(y: tf.Tensor, r: tf.Tensor): tf.Scalar {
  return tf.div(tf.sum(tf.mul(y, r)), y.shape[0]) as tf.Scalar;
}

/** The weight shared by the test and its worker, so the gradient through it is not trivial. */
export function setWeight(bn: BatchNorm2d): void {
  tf.tidy(() => bn.weight.assign(tf.tensor1d([1.5, 0.5, -1])));
}

/**
 * One training step of `bn` on `x`: its output, the input gradient (a second
 * pass with x as the variable) and the weight/bias gradients (kept: the caller
 * may average them over ranks, then disposes them). Disposes `x`.
 */
export function bnStep(bn: BatchNorm2d, x: tf.Tensor, r: tf.Tensor): { y: number[]; dx: number[]; dWeight: tf.Tensor; dBias: tf.Tensor } {
  let y: tf.Tensor | null = null;
  const { grads, value } = tf.variableGrads(() => {
    y = tf.keep(bn.forward(x));
    return loss(y, r);
  }, [bn.weight, bn.bias]);
  const xv = tf.variable(x);
  const dx = tf.grad((xi: tf.Tensor) => loss(bn.forward(xi), r))(xv);
  const out = { y: Array.from(y!.dataSync()), dx: Array.from(dx.dataSync()), dWeight: grads[bn.weight.name], dBias: grads[bn.bias.name] };
  for (const t of [x, y!, value, dx, xv]) t.dispose();
  return out;
}

/** Running statistics after the steps. */
export function bnState(bn: BatchNorm2d) {
  return { runningMean: Array.from(bn.runningMean.dataSync()), runningVar: Array.from(bn.runningVar.dataSync()), tracked: bn.numBatchesTracked.dataSync()[0] };
}
