/**
 * Checkpoint tensors: the host-side `TensorData` contract (defined in
 * `src/contracts/tensor-data.ts`) and its conversions to and from tfjs.
 */
import type { tf as TF } from '../tf';
import { makeTensorData, type TensorData } from '../contracts/tensor-data';

export * from '../contracts/tensor-data';

/**
 * A tfjs tensor: floats become float32, integers int32, bool stays bool.
 * tfjs is required on first use, so reading/writing checkpoints (tools,
 * converters) does not load it.
 */
export function toTfTensor(t: TensorData): TF.Tensor {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { tensorDataToTf } = require('../nn/tensor-data') as typeof import('../nn/tensor-data');
  return tensorDataToTf(t, { bool: 'bool' });
}

/** A tfjs tensor → TensorData (float32/int32/bool), reading its values synchronously. */
export function fromTfTensor(t: TF.Tensor): TensorData {
  const v = t.dataSync();
  if (t.dtype === 'float32') return makeTensorData('float32', t.shape, Float32Array.from(v as Float32Array));
  if (t.dtype === 'int32') return makeTensorData('int32', t.shape, Int32Array.from(v as Int32Array));
  if (t.dtype === 'bool') return makeTensorData('bool', t.shape, Uint8Array.from(v as Uint8Array));
  throw new Error(`cannot store a tfjs tensor of dtype ${t.dtype} in a checkpoint`);
}
