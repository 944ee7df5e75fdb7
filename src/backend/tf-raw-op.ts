/**
 * TensorFlow ops by name, where the backend is tfjs-node: what its kernels
 * do not expose (TensorFlow's fused BatchNorm, a forced copy). Every caller
 * has a path for the other backends; this returns null there.
 */
import { tf } from '../tf';

/** The part of tfjs-node's backend that runs a TensorFlow op by name. */
export interface RawOpBackend {
  executeMultipleOutputs(name: string, attrs: unknown[], inputs: tf.Tensor[], numOutputs: number): tf.Tensor[];
  binding: { TF_ATTR_TYPE: number; TF_ATTR_FLOAT: number; TF_ATTR_STRING: number; TF_ATTR_BOOL: number; TF_FLOAT: number; TF_INT32: number; TF_BOOL: number };
}

/** The active backend as a {@link RawOpBackend}, or null when it is not tfjs-node. */
export function rawOpBackend(): RawOpBackend | null {
  if (tf.getBackend() !== 'tensorflow') return null;
  const be = tf.backend() as unknown as Partial<RawOpBackend>;
  return typeof be.executeMultipleOutputs === 'function' && be.binding ? (be as RawOpBackend) : null;
}

/** TensorFlow's `DataType` attribute value for a tfjs dtype (null for those without one here). */
export function tfDataType(be: RawOpBackend, dtype: tf.DataType): number | null {
  const b = be.binding;
  return dtype === 'float32' ? b.TF_FLOAT : dtype === 'int32' ? b.TF_INT32 : dtype === 'bool' ? b.TF_BOOL : null;
}
