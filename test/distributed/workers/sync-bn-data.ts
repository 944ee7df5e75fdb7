/** Inputs of the SyncBatchNorm test, shared by the test (1 rank, batch 2B) and its worker (W ranks, batch B). */
import { tf } from '../../../src/tf';
import { Rng } from '../../../src/utils/rng';

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
