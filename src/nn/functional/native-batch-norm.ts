/**
 * Training-mode BatchNorm through TensorFlow's own kernels
 * (`FusedBatchNormV3` with `is_training`, and `FusedBatchNormGradV3`), where
 * the backend is tfjs-node: one multithreaded kernel each way instead of
 * about six elementwise passes forward and eight backward. Other backends
 * have no such kernel and take the composed path in `norm.ts`; both give the
 * same numbers to float32 rounding.
 */
import { tf } from '../../tf';
import { rawOpBackend, type RawOpBackend } from '../../backend/tf-raw-op';

/** Whether {@link nativeBatchNormTrain} can run `x` (NHWC float32 on tfjs-node). */
export function hasNativeBatchNorm(x: tf.Tensor): boolean {
  return x.rank === 4 && x.dtype === 'float32' && rawOpBackend() !== null;
}

function attrs(be: RawOpBackend, eps: number, forward: boolean): unknown[] {
  const b = be.binding;
  return [
    { name: 'T', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: 'U', type: b.TF_ATTR_TYPE, value: b.TF_FLOAT },
    { name: 'epsilon', type: b.TF_ATTR_FLOAT, value: eps },
    { name: 'data_format', type: b.TF_ATTR_STRING, value: 'NHWC' },
    { name: 'is_training', type: b.TF_ATTR_BOOL, value: true },
    ...(forward ? [{ name: 'exponential_avg_factor', type: b.TF_ATTR_FLOAT, value: 1 }] : []),
  ];
}

/** What the backward needs besides x and γ: the batch mean, biased variance and TensorFlow's workspace. */
export type NativeBatchNormSaved = [mean: tf.Tensor, variance: tf.Tensor, reserve: tf.Tensor];

/** y = (x - μ)·σ⁻¹·γ + β with the batch moments of NHWC x over N, H, W; also those moments (biased variance). */
export function nativeBatchNormTrain(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): { y: tf.Tensor; saved: NativeBatchNormSaved } {
  const be = rawOpBackend();
  if (!be) throw new Error('nativeBatchNormTrain: the active backend is not tfjs-node (check hasNativeBatchNorm first)');
  return tf.tidy(() => {
    const empty = tf.zeros([0]);
    // y, batch mean, unbiased batch variance, then the mean, the biased variance and a workspace for the gradient
    const [y, , , mean, variance, reserve] = be.executeMultipleOutputs('FusedBatchNormV3', attrs(be, eps, true), [x, gamma, beta, empty, empty], 6);
    return { y, saved: [mean, variance, reserve] };
  });
}

/** [dx, dγ, dβ] of {@link nativeBatchNormTrain} for the output gradient dy. */
export function nativeBatchNormGrad(dy: tf.Tensor, x: tf.Tensor, gamma: tf.Tensor, eps: number, [mean, variance, reserve]: NativeBatchNormSaved): tf.Tensor[] {
  const be = rawOpBackend();
  if (!be) throw new Error('nativeBatchNormGrad: the active backend is not tfjs-node');
  return tf.tidy(() => be.executeMultipleOutputs('FusedBatchNormGradV3', attrs(be, eps, false), [dy, x, gamma, mean, variance, reserve], 5).slice(0, 3));
}
