/**
 * PReLU, y = x for x > 0 else alpha·x, with alpha per channel (last axis).
 *
 * cpu and wasm run PReLU as one kernel. tfjs-node has no native PReLU: its
 * kernel composes six full-size ops (relu, abs, sub, mul, mul, add), and its
 * fused conv applies that after the conv. There the same function is built
 * from three ops with a two-op-per-input gradient instead.
 */
import { tf } from '../../tf';

/** Whether the active backend runs PReLU (also as a fused conv activation) in one kernel. */
export function hasNativePrelu(): boolean {
  return tf.getBackend() !== 'tensorflow';
}

/** The PReLU value in the form the backend runs fastest (the same numbers either way). */
export function preluValue(x: tf.Tensor, alpha: tf.Tensor): tf.Tensor {
  return hasNativePrelu() ? tf.prelu(x, alpha) : tf.tidy(() => tf.where(tf.greater(x, 0), x, tf.mul(x, alpha)));
}

/** [dx, dalpha] of PReLU for the output gradient dy (alpha per channel, last axis). */
export function preluGrads(dy: tf.Tensor, x: tf.Tensor, alpha: tf.Tensor): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const dx = tf.where(tf.greater(x, 0), dy, tf.mul(dy, alpha));
    // dalpha = Σ dy·min(x, 0) over every axis alpha is broadcast along
    const prod = tf.mul(dy, tf.minimum(x, 0));
    const axes = [...Array(prod.rank - (alpha.rank === 1 && alpha.size > 1 ? 1 : 0)).keys()];
    return [dx, tf.reshape(tf.sum(prod, axes), alpha.shape)];
  });
}

const composedPrelu = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, alpha, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  // only x is kept: the sign mask is recomputed in the backward, not held from the forward
  save([x, alpha]);
  return {
    value: tf.tidy(() => tf.where(tf.greater(x, 0), x, tf.mul(x, alpha))),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => preluGrads(dy, saved[0], saved[1]),
  };
}) as Parameters<typeof tf.customGrad>[0]);

/** PReLU with the cheapest form the active backend offers (same numbers everywhere). */
export function prelu(x: tf.Tensor, alpha: tf.Tensor): tf.Tensor {
  return hasNativePrelu() ? tf.prelu(x, alpha) : (composedPrelu(x, alpha) as tf.Tensor);
}
