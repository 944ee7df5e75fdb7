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

const composedPrelu = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, alpha, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  // only x is kept: the sign mask is recomputed in the backward, not held from the forward
  save([x, alpha]);
  return {
    value: tf.tidy(() => tf.where(tf.greater(x, 0), x, tf.mul(x, alpha))),
    // the gradient runs outside any tidy scope (tfjs customGrad): free its temporaries here
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const [xs, a] = saved;
        const dx = tf.where(tf.greater(xs, 0), dy, tf.mul(dy, a));
        // dalpha = Σ dy·min(x, 0) over every axis alpha is broadcast along
        const prod = tf.mul(dy, tf.minimum(xs, 0));
        const axes = [...Array(prod.rank - (a.rank === 1 && a.size > 1 ? 1 : 0)).keys()];
        const da = tf.reshape(tf.sum(prod, axes), a.shape);
        return [dx, da];
      }),
  };
}) as Parameters<typeof tf.customGrad>[0]);

/** PReLU with the cheapest form the active backend offers (same numbers everywhere). */
export function prelu(x: tf.Tensor, alpha: tf.Tensor): tf.Tensor {
  return hasNativePrelu() ? tf.prelu(x, alpha) : (composedPrelu(x, alpha) as tf.Tensor);
}
