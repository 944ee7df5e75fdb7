/**
 * The one conversion of host-side tensors (`TensorData`, see
 * `src/contracts/tensor-data.ts`) into tfjs tensors. Floats become float32 and
 * integers int32 (tfjs has no int64; values must fit). Bool follows
 * `opts.bool`: `'int32'` (the default, what `Module.loadStateDict` wants for
 * integer buffers) or `'bool'` (keeps the dtype, as checkpoint tools do).
 */
import { tf } from '../tf';
import { isFloatDType, numelOf, toFloat32, toInt32, type TensorData } from '../contracts/tensor-data';

/** @deprecated the same type as `TensorData`; kept for existing imports. */
export type TensorDataLike = TensorData;

export interface TensorDataToTfOptions {
  /** dtype of a bool tensor in tfjs (default 'int32'). */
  bool?: 'int32' | 'bool';
}

export function tensorDataToTf(t: TensorData, opts: TensorDataToTfOptions = {}): tf.Tensor {
  const n = numelOf(t.shape);
  if (t.data.length !== n) throw new Error(`tensor data has ${t.data.length} elements but shape [${t.shape}] needs ${n}`);
  if (isFloatDType(t.dtype)) return tf.tensor(toFloat32(t), t.shape, 'float32');
  if (t.dtype === 'bool' && opts.bool === 'bool') return tf.tensor(t.data as Uint8Array, t.shape, 'bool');
  return tf.tensor(Int32Array.from(toInt32(t)), t.shape, 'int32');
}
