/**
 * Scaled dot-product attention, softmax(s·q·kᵀ)·v for q, k, v [B,H,N,hd],
 * keeping only q, k and v for the backward: the attention weights [B,H,N,N]
 * are recomputed there (one q·kᵀ and a softmax, about 2 % of a ViT block's
 * training work) rather than held from the forward (6.3 MiB per APViT block
 * at batch 8). The gradient is tfjs's own for the separate ops, written out.
 */
import { tf } from '../../tf';

type Grad = Parameters<typeof tf.customGrad>[0];

/** softmax(s·q·kᵀ) over the last axis. */
function weights(q: tf.Tensor, k: tf.Tensor, scale: number, onLogits?: (logits: tf.Tensor) => void): tf.Tensor {
  const logits = tf.mul(tf.matMul(q, k, false, true), scale);
  onLogits?.(logits);
  return tf.softmax(logits, -1);
}

/**
 * The attention output [B,H,N,hd]. `onLogits` sees the scaled pre-softmax
 * logits [B,H,N,N] during the forward only (use tf.keep for anything it keeps).
 */
export function attentionCore(q: tf.Tensor, k: tf.Tensor, v: tf.Tensor, scale: number, onLogits?: (logits: tf.Tensor) => void): tf.Tensor {
  const op = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [qi, ki, vi, save] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([qi, ki, vi]);
    return {
      value: tf.tidy(() => tf.matMul(weights(qi, ki, scale, onLogits), vi)),
      // the gradient runs outside any tidy scope (tfjs customGrad): free its temporaries here
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [qs, ks, vs] = saved;
          const a = weights(qs, ks, scale);
          const dv = tf.matMul(a, dy, true, false);
          const dyA = tf.mul(tf.matMul(dy, vs, false, true), a);
          const dLogits = tf.mul(tf.sub(dyA, tf.mul(tf.sum(dyA, -1, true), a)), scale);
          return [tf.matMul(dLogits, ks), tf.matMul(dLogits, qs, true, false), dv];
        }),
    };
  }) as Grad);
  return op(q, k, v) as tf.Tensor;
}
