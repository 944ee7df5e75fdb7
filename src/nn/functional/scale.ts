/**
 * x·s for a constant number s with a gradient that keeps nothing. tfjs's Mul
 * saves both inputs for its gradient, so `mul(qk, scale)` in attention would
 * hold the unscaled [B,H,N,N] logits until the backward; here dy·s needs no
 * saved tensor.
 */
import { tf } from '../../tf';

export function scaleBy(x: tf.Tensor, s: number): tf.Tensor {
  const op = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, save] = inputs as [tf.Tensor, tf.GradSaveFunc];
    save([]);
    return {
      value: tf.tidy(() => tf.mul(xi, s)),
      // the gradient runs outside any tidy scope (tfjs customGrad): the scalar s is a temporary
      gradFunc: (dy: tf.Tensor) => tf.tidy(() => [tf.mul(dy, s)]),
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return op(x) as tf.Tensor;
}
