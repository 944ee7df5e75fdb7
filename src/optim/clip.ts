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
  if (!(maxNorm > 0)) throw new Error(`clipGradNorm: max_norm must be positive (got ${maxNorm})`);
  if (!(normType > 0)) throw new Error(`clipGradNorm: norm_type must be positive (got ${normType})`);
  const keys = Object.keys(grads).filter((k) => grads[k]);
  if (!keys.length) return 0;
  const total = tf.tidy(() => {
    if (normType === Infinity) return tf.stack(keys.map((k) => grads[k].abs().max())).max();
    const parts = keys.map((k) => {
      const a = grads[k].abs();
      return normType === 2 ? a.square().sum() : a.pow(normType).sum();
    });
    return tf.addN(parts).pow(1 / normType);
  });
  const totalNorm = (total.dataSync() as Float32Array)[0];
  total.dispose();
  const coef = maxNorm / (totalNorm + 1e-6);
  if (coef < 1) {
    for (const k of keys) {
      const old = grads[k];
      grads[k] = tf.tidy(() => old.mul(coef));
      old.dispose();
    }
  }
  return totalNorm;
}
