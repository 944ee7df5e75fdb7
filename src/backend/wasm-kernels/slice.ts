/**
 * `Slice` and `SplitV` for wasm as block copies between views of the wasm
 * heap. The stock kernels first copy the whole input out of the heap (once
 * per output of a split) and then walk it in JavaScript; an attention
 * layer's q | k | v split took about 100 ms at batch 8 that way.
 */
import { tf } from '../../tf';
import { numericKernel, type WasmBackendLike } from './kernel-utils';

type TensorInfo = tf.TensorInfo;

/** Copies `x[begin : begin + size]` into a new heap tensor, one contiguous run at a time. */
function sliceInto(be: WasmBackendLike, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = be.makeOutput(size, x.dtype);
  const src = be.typedArrayFromHeap(x);
  const dst = be.typedArrayFromHeap(out);
  if (x.shape.length === 0) {
    dst.set(src.subarray(0, 1));
    return out;
  }
  const strides = [...tf.util.computeStrides(x.shape), 1];
  // the innermost axis not taken whole: everything inside it is one run
  let j = x.shape.length - 1;
  while (j > 0 && size[j] === x.shape[j] && begin[j] === 0) j--;
  const run = size[j] * strides[j];
  const outerCount = size.slice(0, j).reduce((a, b) => a * b, 1);
  const idx = new Array<number>(j).fill(0);
  let o = 0;
  for (let r = 0; r < outerCount; r++) {
    let off = begin[j] * strides[j];
    for (let a = 0; a < j; a++) off += (begin[a] + idx[a]) * strides[a];
    dst.set(src.subarray(off, off + run), o);
    o += run;
    for (let a = j - 1; a >= 0; a--) {
      if (++idx[a] < size[a]) break;
      idx[a] = 0;
    }
  }
  return out;
}

export const sliceConfig = numericKernel('Slice', (x, be, attrs) => {
  const { begin, size } = attrs as unknown as { begin: number | number[]; size: number | number[] };
  const [b, s] = tf.slice_util.parseSliceParams(x as tf.TensorInfo as tf.Tensor, begin, size);
  return sliceInto(be, x, b, s);
});

export const splitVConfig = numericKernel('SplitV', (x, be, attrs) => {
  const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number };
  const ax = tf.util.parseAxisParam(axis, x.shape)[0];
  const sizes = tf.backend_util.prepareSplitSize(x as tf.TensorInfo as tf.Tensor, numOrSizeSplits, ax);
  const begin = new Array<number>(x.shape.length).fill(0);
  return sizes.map((s) => {
    const size = [...x.shape];
    size[ax] = s;
    const out = sliceInto(be, x, [...begin], size);
    begin[ax] += s;
    return out;
  });
});
