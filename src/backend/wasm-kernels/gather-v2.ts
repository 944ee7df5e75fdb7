/**
 * `GatherV2` for wasm as row copies between views of the wasm heap. The
 * stock kernel returns wrong rows for every batch after the first when
 * `batchDims > 0`, and even with `batchDims = 0` copies the whole input out
 * of the heap first (APViT's token selection: ~40 ms per call at batch 8).
 * Here `x` is viewed as [batch, outer, axis, inner] and each output row
 * `out[b, o, j, :] = x[b, o, indices[b, j], :]` is one block copy.
 */
import { tf } from '../../tf';
import { numericKernel } from './kernel-utils';

export const gatherV2Config = numericKernel('GatherV2', (x, be, attrs, inputs) => {
  const { indices } = inputs;
  const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const bd = (batchDims ?? 0) < 0 ? batchDims + indices.shape.length : (batchDims ?? 0);
  const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
    x as tf.TensorInfo as tf.Tensor, indices as tf.TensorInfo as tf.Tensor, ax, bd);
  const { batchSize: b, outerSize: o, dimSize: a, sliceSize: s } = info;
  const k = tf.util.sizeFromShape(indices.shape) / b;
  const idx = be.readSync(indices.dataId) as ArrayLike<number>;
  for (let i = 0; i < b * k; i++) {
    const v = idx[i];
    if (v < 0 || v >= a) throw new Error(`GatherV2: the index value ${v} is not in [0, ${a - 1}]`);
  }
  const out = be.makeOutput(info.outputShape, x.dtype);
  // views after makeOutput: a heap growth detaches older views
  const src = be.typedArrayFromHeap(x);
  const dst = be.typedArrayFromHeap(out);
  let d = 0;
  for (let bi = 0; bi < b; bi++) {
    for (let oi = 0; oi < o; oi++) {
      const base = (bi * o + oi) * a * s;
      for (let j = 0; j < k; j++) {
        const from = base + idx[bi * k + j] * s;
        dst.set(src.subarray(from, from + s), d);
        d += s;
      }
    }
  }
  return out;
});
