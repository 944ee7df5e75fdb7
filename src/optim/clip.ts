/**
 * Gradient clipping by total norm, like `torch.nn.utils.clip_grad_norm_`:
 * the norm is taken over all gradients together; when it exceeds `maxNorm`
 * every gradient is scaled by `maxNorm / (total + 1e-6)`.
 */
import { tf } from '../tf';

/**
 * Clips `grads` IN PLACE (torch style): each entry that is scaled is replaced
 * by a new tensor and the old one is disposed. Returns the total norm before
 * clipping (`normType` = 2 by default; `Infinity` for the max-abs norm).
 */
export function clipGradNorm(grads: Record<string, tf.Tensor>, maxNorm: number, normType = 2): number {
  const keys = checkedKeys(grads, maxNorm, normType);
  if (!keys.length) return 0;
  const total = totalNorm(grads, keys, normType);
  const totalNormValue = (total.dataSync() as Float32Array)[0];
  total.dispose();
  const coef = maxNorm / (totalNormValue + 1e-6);
  if (coef < 1) {
    for (const k of keys) {
      const old = grads[k];
      grads[k] = tf.tidy(() => old.mul(coef));
      old.dispose();
    }
  }
  return totalNormValue;
}

/**
 * {@link clipGradNorm} without reading anything back: every gradient is
 * multiplied by min(1, maxNorm / (total + 1e-6)) on the device (a factor of
 * 1 changes nothing), and the total norm comes back as a scalar tensor the
 * caller owns (the training loop reads it when it logs).
 */
export function clipGradNormOnDevice(grads: Record<string, tf.Tensor>, maxNorm: number, normType = 2): tf.Scalar {
  const keys = checkedKeys(grads, maxNorm, normType);
  if (!keys.length) return tf.scalar(0);
  const total = totalNorm(grads, keys, normType);
  const coef = tf.tidy(() => tf.minimum(tf.div(maxNorm, tf.add(total, 1e-6)), 1));
  for (const k of keys) {
    const old = grads[k];
    grads[k] = tf.mul(old, coef);
    old.dispose();
  }
  coef.dispose();
  return total;
}

function checkedKeys(grads: Record<string, tf.Tensor>, maxNorm: number, normType: number): string[] {
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: max_norm must be positive (got ${maxNorm})`);
  if (!(normType > 0)) throw new Error(`clipGradNorm: norm_type must be positive (got ${normType})`);
  return Object.keys(grads).filter((k) => grads[k]);
}

function totalNorm(grads: Record<string, tf.Tensor>, keys: string[], normType: number): tf.Scalar {
  return tf.tidy(() => {
    if (normType === Infinity) return tf.stack(keys.map((k) => grads[k].abs().max())).max();
    const parts = keys.map((k) => {
      const a = grads[k].abs();
      return normType === 2 ? a.square().sum() : a.pow(normType).sum();
    });
    return tf.addN(parts).pow(1 / normType);
  }) as tf.Scalar;
}
