/**
 * `Conv2DBackpropFilter` for wasm (absent from the stock backend).
 *
 * dW[kh,kw,ci,co] = sum_{n,oh,ow} xpad[n, oh*s+kh*d, ow*s+kw*d, ci] * dy[n,oh,ow,co].
 * For each tap (kh,kw) we take a (strided) slice of the padded input
 * ([M, CI], M = N*OH*OW) and compute dy^T [CO, M] x slice [M, CI] with the
 * XNNPACK matmul; dy is transposed once. Memory stays at one slice per tap
 * (no full im2col matrix), flops equal the direct convolution's.
 */
import { tf } from '../../tf';
import { Ops, withOps } from './kernel-utils';

type TensorInfo = tf.TensorInfo;

/** Per-tap `[KH*KW, CO, CI]` products of `dy^T` and strided input slices. */
export function tapProducts(
  ops: Ops,
  x: TensorInfo,
  dy: TensorInfo,
  info: tf.backend_util.Conv2DInfo,
  combine: (ops: Ops, slice2d: TensorInfo, dyT: TensorInfo, dy2d: TensorInfo) => TensorInfo,
): TensorInfo[] {
  const [n, , , ci] = x.shape;
  const { outHeight: oh, outWidth: ow, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const { top, bottom, left, right } = info.padInfo;
  const m = n * oh * ow;
  const dy2d = ops.reshape(dy, [m, dy.shape[3]]);
  const dyT = ops.transposeLast2(dy2d);
  const taps: TensorInfo[] = [];
  if (sh === 1 && sw === 1) {
    const xp = ops.padOrCrop(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
    for (let kh = 0; kh < info.filterHeight; kh++) {
      for (let kw = 0; kw < info.filterWidth; kw++) {
        const s = ops.run('Slice', { x: xp }, { begin: [0, kh * dh, kw * dw, 0], size: [n, oh, ow, ci] });
        taps.push(combine(ops, ops.reshape(s, [m, ci]), dyT, dy2d));
      }
    }
    return taps;
  }
  // Strided taps without the slow StridedSlice / rank-6 Slice kernels (10-40x
  // slower than a rank-4 Slice): pad to a multiple of the stride, split once
  // into the sh*sw stride phases with rank-4 slices, then take each tap as a
  // plain rank-4 slice of its phase.
  const [h, w] = [x.shape[1], x.shape[2]];
  const rowsNeeded = Math.floor(((info.filterHeight - 1) * dh) / sh) + oh;
  const colsNeeded = Math.floor(((info.filterWidth - 1) * dw) / sw) + ow;
  const hh = Math.max(Math.ceil((h + top) / sh), rowsNeeded);
  const ww = Math.max(Math.ceil((w + left) / sw), colsNeeded);
  const xp = ops.padOrCrop(x, [[0, 0], [top, hh * sh - h - top], [left, ww * sw - w - left], [0, 0]]);
  const rowsView = ops.reshape(xp, [n, hh, sh, ww * sw * ci]);
  const phases = new Map<string, TensorInfo>();
  const phase = (pr: number, pc: number): TensorInfo => {
    const key = `${pr},${pc}`;
    let p = phases.get(key);
    if (!p) {
      const rows = ops.run('Slice', { x: rowsView }, { begin: [0, 0, pr, 0], size: [n, hh, 1, ww * sw * ci] });
      const colsView = ops.reshape(rows, [n * hh, ww, sw, ci]);
      const cols = ops.run('Slice', { x: colsView }, { begin: [0, 0, pc, 0], size: [n * hh, ww, 1, ci] });
      p = ops.reshape(cols, [n, hh, ww, ci]);
      phases.set(key, p);
    }
    return p;
  };
  for (let kh = 0; kh < info.filterHeight; kh++) {
    for (let kw = 0; kw < info.filterWidth; kw++) {
      const r = kh * dh;
      const c = kw * dw;
      const s = ops.run('Slice', { x: phase(r % sh, c % sw) }, {
        begin: [0, Math.floor(r / sh), Math.floor(c / sw), 0], size: [n, oh, ow, ci],
      });
      taps.push(combine(ops, ops.reshape(s, [m, ci]), dyT, dy2d));
    }
  }
  return taps;
}

export const conv2DBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as {
      strides: number | [number, number];
      pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      filterShape: [number, number, number, number];
    };
    if (dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropFilter: only NHWC is supported');
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    return withOps(backend, (ops) => {
      const [kh, kw, ci, co] = filterShape;
      const taps = tapProducts(ops, x, dy, info, (o, slice, dyT) =>
        o.run('BatchMatMul', { a: dyT, b: slice }, { transposeA: false, transposeB: false }));
      // taps: KH*KW of [CO, CI] -> [KH*KW, CO, CI] -> [KH, KW, CI, CO]
      const stacked = taps.length === 1 ? ops.reshape(taps[0], [1, co, ci]) : ops.run('Concat',
        taps.map((t) => ops.reshape(t, [1, co, ci])), { axis: 0 });
      const perm = ops.transpose(stacked, [0, 2, 1]);
      return ops.keep(ops.reshape(perm, [kh, kw, ci, co]));
    });
  },
};
