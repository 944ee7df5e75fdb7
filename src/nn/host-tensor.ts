/**
 * Weights whose memory belongs to the backend, not to the JavaScript arrays
 * they were made from.
 *
 * tfjs-node does not copy a typed array into TensorFlow: the tensor wraps the
 * array's memory. For a model's weights that memory comes from V8's malloc,
 * and once the optimizer's first step replaces the weights it goes back to
 * the C heap, which TensorFlow's allocator (regions of its own) never reuses
 * and glibc does not return: APViT's 256 MiB of initial weights stayed
 * resident for the whole training run. Here initial values are drawn into
 * one reused staging array and copied into TensorFlow's memory at once, and
 * loaded values are copied before the arrays they came from are dropped.
 * Other backends copy host arrays into their own storage anyway.
 */
import { tf } from '../tf';
import { rawOpBackend, tfDataType } from '../backend/tf-raw-op';

let staging = new Float32Array(0);

/**
 * `t`'s values in memory of the backend's own: on tfjs-node a TensorFlow
 * `DeepCopy` (which always allocates its output), elsewhere `t` itself.
 * The caller still owns and disposes `t`.
 */
export function backendCopy(t: tf.Tensor): tf.Tensor {
  const be = rawOpBackend();
  const type = be ? tfDataType(be, t.dtype) : null;
  if (!be || type === null) return t;
  return be.executeMultipleOutputs('DeepCopy', [{ name: 'T', type: be.binding.TF_ATTR_TYPE, value: type }], [t], 1)[0];
}

/**
 * A float32 tensor of `shape` whose values `fill` writes into a host array;
 * the array is a staging buffer reused by the next call, so nothing of it
 * stays with the tensor.
 */
export function float32FromHost(shape: number[], fill: (out: Float32Array) => void): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (staging.length < n) staging = new Float32Array(n);
  const view = staging.subarray(0, n);
  fill(view);
  if (!rawOpBackend()) return tf.tensor(view.slice(), shape, 'float32');
  const wrapped = tf.tensor(view, shape, 'float32');
  try {
    return backendCopy(wrapped);
  } finally {
    wrapped.dispose();
  }
}
