/** A collated host batch as device tensors, laid out as the loader left it (no normalisation). */
import { tf } from '../tf';
import type { Batch } from '../contracts/data';
import type { DeviceBatch } from '../contracts/model';

/** NHWC float32 inputs and int32 labels; `where` names the batch in the shape error. */
export function batchToDevice(batch: Batch, where = 'batch'): DeviceBatch {
  const shape = batch.img.shape;
  if (shape.length !== 4) throw new Error(`${where}: img must be NHWC [B,H,W,C], got shape [${shape.join(',')}]`);
  const inputs = tf.tensor4d(batch.img.data, shape as [number, number, number, number], 'float32');
  const gtLabel = batch.gt_label ? tf.tensor1d(batch.gt_label, 'int32') : undefined;
  return { inputs, gtLabel };
}
