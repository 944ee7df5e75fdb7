/**
 * `UnsortedSegmentSum` for wasm (absent from the stock backend; it is the
 * gradient of `gather`): out[s, ...] = sum_{i: ids[i] = s} x[i, ...]. A single
 * O(size) pass over the wasm heap; ids outside [0, numSegments) are dropped,
 * as in TensorFlow.
 */
import { tf } from '../../tf';
import type { WasmBackendLike } from './kernel-utils';

type TensorInfo = tf.TensorInfo;

export const unsortedSegmentSumConfig: tf.KernelConfig = {
  kernelName: 'UnsortedSegmentSum',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: TensorInfo; segmentIds: TensorInfo };
    const { numSegments } = attrs as unknown as { numSegments: number };
    const be = backend as unknown as WasmBackendLike;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') {
      throw new Error(`wasm UnsortedSegmentSum: dtype ${x.dtype} is not supported`);
    }
    // segmentIds may cover the leading k axes of x
    const k = segmentIds.shape.length;
    const rows = tf.util.sizeFromShape(segmentIds.shape);
    const inner = tf.util.sizeFromShape(x.shape.slice(k));
    const outShape = [numSegments, ...x.shape.slice(k)];
    const out = be.makeOutput(outShape, x.dtype);
    // views are taken after makeOutput: a heap growth would detach older ones
    const ids = Int32Array.from(be.readSync(segmentIds.dataId) as ArrayLike<number>);
    const src = be.typedArrayFromHeap(x);
    const dst = be.typedArrayFromHeap(out);
    dst.fill(0);
    for (let r = 0; r < rows; r++) {
      const s = ids[r];
      if (s < 0 || s >= numSegments) continue;
      const si = r * inner;
      const di = s * inner;
      for (let j = 0; j < inner; j++) dst[di + j] += src[si + j];
    }
    return out;
  },
};
