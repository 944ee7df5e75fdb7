/**
 * `GatherV2` for wasm with `batchDims > 0` fixed. The stock kernel returns
 * wrong rows for every batch after the first; we rewrite the gather as a
 * batchDims = 0 gather over a flattened [batch*axisDim, ...] tensor with
 * offset indices, then restore the output layout. `batchDims = 0` goes
 * straight to the stock kernel.
 */
import { tf } from '../../tf';
import { stockKernel, withOps, type WasmBackendLike } from './kernel-utils';

type TensorInfo = tf.TensorInfo;

export const gatherV2Config: tf.KernelConfig = {
  kernelName: 'GatherV2',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, indices } = inputs as { x: TensorInfo; indices: TensorInfo };
    const { axis, batchDims } = attrs as unknown as { axis: number; batchDims: number };
    const gather = stockKernel('GatherV2');
    if (!gather) throw new Error('wasm GatherV2: stock kernel missing');
    if (!batchDims) return gather({ inputs, backend, attrs });
    const ax = tf.util.parseAxisParam(axis, x.shape)[0];
    const bd = batchDims < 0 ? batchDims + indices.shape.length : batchDims;
    const info = tf.backend_util.segment_util.collectGatherOpShapeInfo(
      x, indices, ax, bd);
    const { batchSize: b, outerSize: o, dimSize: a, sliceSize: s } = info;
    const k = tf.util.sizeFromShape(indices.shape) / b;
    const be = backend as unknown as WasmBackendLike;
    const idx = be.readSync(indices.dataId) as ArrayLike<number>;
    const flatIdx = new Int32Array(b * k);
    for (let bi = 0; bi < b; bi++) {
      for (let j = 0; j < k; j++) {
        const v = idx[bi * k + j];
        if (v < 0 || v >= a) throw new Error(`GatherV2: the index value ${v} is not in [0, ${a - 1}]`);
        flatIdx[bi * k + j] = bi * a + v;
      }
    }
    return withOps(backend, (ops) => {
      const idxT = ops.adopt(be.makeOutput([b * k], 'int32'));
      be.typedArrayFromHeap(idxT).set(flatIdx);
      let xs = ops.reshape(x, [b, o, a, s]);
      if (o > 1) xs = ops.transpose(xs, [0, 2, 1, 3]);
      const x2 = ops.reshape(xs, [b * a, o * s]);
      const g = gather({ inputs: { x: x2, indices: idxT }, backend, attrs: { axis: 0, batchDims: 0 } }) as TensorInfo;
      ops.adopt(g);
      let r = ops.reshape(g, [b, k, o, s]);
      if (o > 1) r = ops.transpose(r, [0, 2, 1, 3]);
      return ops.keep(ops.reshape(r, info.outputShape));
    });
  },
};
