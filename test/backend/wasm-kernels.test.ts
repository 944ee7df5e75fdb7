/**
 * Our wasm training kernels against the cpu backend (kernel level, through
 * `engine().runKernel`). Tolerance: norm-wise relative error <= 1e-5 at
 * float32. Each kernel also runs one real APViT/IR-50 shape; for the conv
 * gradients at 56x56 the cpu backend takes minutes, so those are checked
 * against an independent float64 loop (./reference.ts) instead.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { registerWasmTrainingKernels, wasmTrainingKernelsRegistered, WASM_TRAINING_KERNELS } from '../../src/backend/wasm-kernels';
import { onBackend, randn, relErr, t } from './helpers';
import { conv2dBackpropFilterRef, conv2dBackpropInputRef, type ConvGeom } from './reference';

const TOL = 1e-5;
const run = (name: string, inputs: Record<string, tf.Tensor>, attrs: Record<string, unknown>) =>
  tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;

async function compare(fn: () => tf.Tensor[], tol = TOL): Promise<number[]> {
  const w = await onBackend('wasm', fn);
  const c = await onBackend('cpu', fn);
  const errs = w.map((a, i) => relErr(a, c[i]));
  for (const e of errs) expect(e).toBeLessThanOrEqual(tol);
  return errs;
}

beforeAll(async () => {
  await initBackend('wasm');
});

test('all training kernels are registered for wasm after initBackend', () => {
  expect(wasmTrainingKernelsRegistered()).toBe(true);
  expect(registerWasmTrainingKernels()).toEqual([]); // idempotent
  const names = WASM_TRAINING_KERNELS.map((k) => k.kernelName);
  for (const n of ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput', 'UnsortedSegmentSum', 'BatchMatMul', '_FusedMatMul', 'Conv2DBackpropInput', 'GatherV2', 'MaxPoolGrad', 'Slice', 'SplitV']) {
    expect(names).toContain(n);
    expect(tf.getKernel(n, 'wasm')).toBeDefined();
  }
});

describe('Conv2DBackpropFilter', () => {
  const cases: Array<[string, number[], number[], number, number | 'same' | 'valid']> = [
    ['3x3 s2 p1', [2, 15, 15, 8], [3, 3, 8, 12], 2, 1],
    ['1x1 s2 (shortcut)', [2, 14, 14, 16], [1, 1, 16, 32], 2, 0],
    ['3x3 same, odd size', [1, 7, 9, 3], [3, 3, 3, 5], 1, 'same'],
  ];
  test.each(cases)('%s', async (_n, xShape, fShape, stride, pad) => {
    const x = randn(xShape, 1);
    const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], fShape as [number, number, number, number], stride, 1, pad);
    const dy = randn(info.outShape, 2);
    await compare(() => [run('Conv2DBackpropFilter', { x: t(x), dy: t(dy) }, {
      strides: stride, pad, dataFormat: 'NHWC', filterShape: fShape,
    })]);
  });
});

describe('Conv2DBackpropInput', () => {
  const cases: Array<[string, number[], number[], number, number | 'same' | 'valid']> = [
    ['3x3 s2 p1 even', [2, 16, 16, 8], [3, 3, 8, 12], 2, 1],
    ['3x3 s2 p1 odd', [2, 15, 15, 8], [3, 3, 8, 12], 2, 1],
    ['1x1 s2 (shortcut)', [2, 14, 14, 16], [1, 1, 16, 32], 2, 0],
    ['3x3 same', [1, 7, 9, 3], [3, 3, 3, 5], 1, 'same'],
    ['2x2 valid s2', [1, 9, 8, 2], [2, 2, 2, 3], 2, 'valid'],
  ];
  test.each(cases)('%s', async (_n, xShape, fShape, stride, pad) => {
    const w = randn(fShape, 3);
    const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], fShape as [number, number, number, number], stride, 1, pad);
    const dy = randn(info.outShape, 4);
    await compare(() => [run('Conv2DBackpropInput', { dy: t(dy), filter: t(w) }, {
      inputShape: xShape, strides: stride, pad, dataFormat: 'NHWC',
    })]);
  });
});

describe('real IR-50 shapes against a float64 reference', () => {
  const geom = (stride: number, h: number, ci: number, co: number, k: number, pad: number): ConvGeom => {
    const oh = Math.floor((h + 2 * pad - k) / stride) + 1;
    return { n: 2, h, w: h, ci, kh: k, kw: k, co, oh, ow: oh, stride, top: pad, left: pad };
  };
  const cases: Array<[string, ConvGeom]> = [
    ['3x3 64->64 @56x56 b2 s1 p1', geom(1, 56, 64, 64, 3, 1)],
    ['3x3 64->128 @56x56 b2 s2 p1 (stage entry)', geom(2, 56, 64, 128, 3, 1)],
  ];
  test.each(cases)('Conv2DBackpropFilter %s', async (_n, g) => {
    const x = randn([g.n, g.h, g.w, g.ci], 21);
    const dy = randn([g.n, g.oh, g.ow, g.co], 22);
    const [got] = await onBackend('wasm', () => [run('Conv2DBackpropFilter', { x: t(x), dy: t(dy) }, {
      strides: g.stride, pad: g.top, dataFormat: 'NHWC', filterShape: [g.kh, g.kw, g.ci, g.co],
    })]);
    expect(relErr(got, conv2dBackpropFilterRef(x.data, dy.data, g))).toBeLessThanOrEqual(TOL);
  });
  test.each(cases)('Conv2DBackpropInput %s', async (_n, g) => {
    const w = randn([g.kh, g.kw, g.ci, g.co], 23);
    const dy = randn([g.n, g.oh, g.ow, g.co], 24);
    const [got] = await onBackend('wasm', () => [run('Conv2DBackpropInput', { dy: t(dy), filter: t(w) }, {
      inputShape: [g.n, g.h, g.w, g.ci], strides: g.stride, pad: g.top, dataFormat: 'NHWC',
    })]);
    expect(relErr(got, conv2dBackpropInputRef(dy.data, w.data, g))).toBeLessThanOrEqual(TOL);
  });
});

describe('DepthwiseConv2dNativeBackpropFilter', () => {
  const cases: Array<[string, number[], number[], number, number | 'same']> = [
    ['3x3 s1 p1 mult 1 @14x14 b2 c16', [2, 14, 14, 16], [3, 3, 16, 1], 1, 1],
    ['3x3 s2 same mult 2', [2, 9, 9, 4], [3, 3, 4, 2], 2, 'same'],
  ];
  test.each(cases)('%s', async (_n, xShape, fShape, stride, pad) => {
    const x = randn(xShape, 5);
    const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], fShape as [number, number, number, number], stride, 1, pad, undefined, true);
    const dy = randn(info.outShape, 6);
    await compare(() => [run('DepthwiseConv2dNativeBackpropFilter', { x: t(x), dy: t(dy) }, {
      strides: stride, dilations: 1, pad, filterShape: fShape,
    })]);
  });
});

describe('BatchMatMul with transposes', () => {
  const B8 = 16; // batch 2 x 8 heads
  const cases: Array<[string, number[], number[], boolean, boolean]> = [
    ['APViT attention q k^T [16,161,96]x[16,161,96]^T', [B8, 161, 96], [B8, 161, 96], false, true],
    ['APViT attention grad attn^T v', [B8, 161, 161], [B8, 161, 96], true, false],
    ['both transposed', [3, 7, 5], [3, 6, 7], true, true],
    ['2-D linear weight grad x^T dy', [64, 48], [64, 32], true, false],
    // wide outputs take the (B op(A)^T)^T route (see batch-matmul.ts)
    ['wide output, linear-like [40,96] x [200,96]^T', [40, 96], [200, 96], false, true],
    ['wide output with batch broadcast [2,10,64] x [1,40,64]^T', [2, 10, 64], [1, 40, 64], false, true],
    ['wide output, both transposed [8,10]^T x [40,8]^T', [8, 10], [40, 8], true, true],
    ['plain, one matrix (stock path)', [1, 5, 6], [1, 6, 3], false, false],
    // batches run one XNNPACK matmul per matrix; a shared right operand folds into the rows
    ['plain batch [4,5,6] x [4,6,3]', [4, 5, 6], [4, 6, 3], false, false],
    ['APViT attention attn v [16,161,161] x [16,161,96]', [B8, 161, 161], [B8, 161, 96], false, false],
    ['4-D heads [2,3,7,5] x [2,3,5,4]', [2, 3, 7, 5], [2, 3, 5, 4], false, false],
    ['shared right operand [3,7,5] x [5,4]', [3, 7, 5], [5, 4], false, false],
    ['shared right operand, transposed [3,7,5] x [4,5]^T', [3, 7, 5], [4, 5], false, true],
    ['two-sided broadcast [2,1,4,5] x [1,3,5,2] (stock path)', [2, 1, 4, 5], [1, 3, 5, 2], false, false],
    ['two-sided broadcast, equal counts [3,1,4,5] x [1,3,5,2] (stock path)', [3, 1, 4, 5], [1, 3, 5, 2], false, false],
  ];
  test.each(cases)('%s', async (_n, aShape, bShape, ta, tb) => {
    const a = randn(aShape, 7);
    const b = randn(bShape, 8);
    await compare(() => [run('BatchMatMul', { a: t(a), b: t(b) }, { transposeA: ta, transposeB: tb })]);
  });
});

describe('_FusedMatMul with transposes (stock wasm is wrong with transposeB + bias)', () => {
  const cases: Array<[string, number[], number[], number, boolean, boolean, string]> = [
    ['APViT head [2,768] x [7,768]^T + bias', [2, 768], [7, 768], 7, false, true, 'linear'],
    ['[40,96] x [64,96]^T + bias, relu', [40, 96], [64, 96], 64, false, true, 'relu'],
    ['[96,40]^T x [96,64] + bias', [96, 40], [96, 64], 64, true, false, 'linear'],
  ];
  test.each(cases)('%s', async (_n, aShape, bShape, nb, ta, tb, act) => {
    const a = randn(aShape, 13);
    const b = randn(bShape, 14);
    const bias = randn([nb], 15);
    // through the op: it reshapes to the rank-3 operands the kernel expects
    await compare(() => [tf.fused.matMul({
      a: t(a) as tf.Tensor2D, b: t(b) as tf.Tensor2D, bias: t(bias), transposeA: ta, transposeB: tb, activation: act as 'linear' | 'relu',
    })]);
  });
});

describe('MaxPoolGrad (stock wasm drops columns when stride > filter)', () => {
  test('IR-50 shortcut MaxPool2d(1, 2) on [2,56,56,64]', async () => {
    const x = randn([2, 56, 56, 64], 16);
    const dy = randn([2, 28, 28, 64], 17);
    await compare(() => [run('MaxPoolGrad', { dy: t(dy), input: t(x), output: tf.maxPool(t(x) as tf.Tensor4D, 1, 2, 'valid') }, {
      filterSize: 1, strides: 2, pad: 'valid',
    })]);
  });
  test('3x3 s2 same with ties', async () => {
    const x = { shape: [1, 5, 5, 2], data: Float32Array.from({ length: 50 }, (_, i) => (i % 3) - 1) };
    const dy = randn([1, 3, 3, 2], 18);
    await compare(() => [run('MaxPoolGrad', { dy: t(dy), input: t(x), output: tf.maxPool(t(x) as tf.Tensor4D, 3, 2, 'same') }, {
      filterSize: 3, strides: 2, pad: 'same',
    })], 0);
  });
});

describe('DepthwiseConv2dNativeBackpropInput', () => {
  const cases: Array<[string, number[], number[], number, number | 'same']> = [
    ['3x3 s1 p1 mult 1', [2, 10, 10, 8], [3, 3, 8, 1], 1, 1],
    ['3x3 s2 same mult 2', [2, 9, 9, 4], [3, 3, 4, 2], 2, 'same'],
  ];
  test.each(cases)('%s', async (_n, xShape, fShape, stride, pad) => {
    const w = randn(fShape, 19);
    const info = tf.backend_util.computeConv2DInfo(xShape as [number, number, number, number], fShape as [number, number, number, number], stride, 1, pad, undefined, true);
    const dy = randn(info.outShape, 20);
    await compare(() => [run('DepthwiseConv2dNativeBackpropInput', { dy: t(dy), filter: t(w) }, {
      strides: stride, dilations: 1, pad, inputShape: xShape,
    })]);
  });
});

describe('UnsortedSegmentSum', () => {
  test('small case against cpu (cpu UnsortedSegmentSum is O(segments x size): scaled down)', async () => {
    const x = randn([24, 16], 9);
    const ids = Int32Array.from({ length: 24 }, (_, i) => (i * 5) % 10);
    await compare(() => [run('UnsortedSegmentSum', { x: t(x), segmentIds: tf.tensor1d(ids, 'int32') }, { numSegments: 10 })]);
  });
  test('APViT token rows [2*160, 768] into 2*196 segments, against a float64 reference', async () => {
    const x = randn([320, 768], 9);
    const ids = Int32Array.from({ length: 320 }, (_, i) => (i * 37) % 392); // repeats and gaps
    const out = await onBackend('wasm', () => [run('UnsortedSegmentSum', { x: t(x), segmentIds: tf.tensor1d(ids, 'int32') }, { numSegments: 392 })]);
    const ref = new Float64Array(392 * 768);
    ids.forEach((s, r) => { for (let j = 0; j < 768; j++) ref[s * 768 + j] += x.data[r * 768 + j]; });
    expect(relErr(out[0], Float32Array.from(ref))).toBeLessThanOrEqual(TOL);
  });
  test('ids out of range are dropped; rank-2 ids', async () => {
    const x = randn([2, 3, 4], 10);
    const ids = tf.tensor2d([[0, 5, 1], [-1, 1, 0]], [2, 3], 'int32');
    const out = await onBackend('wasm', () => [run('UnsortedSegmentSum', { x: t(x), segmentIds: ids.clone() }, { numSegments: 2 })]);
    ids.dispose();
    const row = (r: number) => x.data.subarray(r * 4, r * 4 + 4);
    const exp = new Float32Array(8);
    for (const [r, s] of [[0, 0], [2, 1], [4, 1], [5, 0]]) for (let j = 0; j < 4; j++) exp[s * 4 + j] += row(r)[j];
    expect(relErr(out[0], exp)).toBeLessThan(1e-6);
  });
});

describe('Slice and SplitV (block copies)', () => {
  const x = randn([3, 4, 5, 6], 21);
  test.each([
    ['inner axis', [0, 1, 2, 1], [3, 2, 3, 4]],
    ['outer axis only (one run)', [1, 0, 0, 0], [2, 4, 5, 6]],
    ['size -1', [0, 2, 0, 3], [-1, -1, 5, -1]],
    ['single element', [2, 3, 4, 5], [1, 1, 1, 1]],
  ])('slice %s', async (_n, begin, size) => {
    await compare(() => [tf.slice(t(x), begin, size)], 0);
  });
  test.each([[0], [1], [2], [3]])('split into [1,2,...] on axis %d', async (axis) => {
    const d = x.shape[axis];
    await compare(() => tf.split(t(x), [1, d - 1], axis), 0);
  });
  test('APViT q | k | v split [2,24,161,96] on axis 1', async () => {
    const qkv = randn([2, 24, 161, 96], 22);
    await compare(() => tf.split(t(qkv), 3, 1), 0);
  });
  test('int32 and bool keep their values', async () => {
    const out = await onBackend('wasm', () => [
      ...tf.split(tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3], 'int32'), [2, 1], 1),
      tf.slice(tf.tensor1d([true, false, true], 'bool'), [1], [2]),
    ]);
    expect(out.map((o) => Array.from(o))).toEqual([[1, 2, 4, 5], [3, 6], [0, 1]]);
  });
});

describe('GatherV2 with batchDims = 0 (row copies)', () => {
  test('APViT token pooling rows [1568,768] by [1280] on axis 0', async () => {
    const x = randn([1568, 768], 23);
    const idx = Int32Array.from({ length: 1280 }, (_, i) => (i * 37) % 1568);
    await compare(() => [tf.gather(t(x), tf.tensor1d(idx, 'int32'), 0)], 0);
  });
  test('inner axis with repeats, 2-D indices', async () => {
    const x = randn([2, 5, 3], 24);
    await compare(() => [tf.gather(t(x), tf.tensor2d([4, 4, 0, 2], [2, 2], 'int32'), 1)], 0);
  });
  test('int32 input', async () => {
    const out = await onBackend('wasm', () => [tf.gather(tf.tensor1d([10, 20, 30], 'int32'), tf.tensor1d([2, 0], 'int32'))]);
    expect(Array.from(out[0])).toEqual([30, 10]);
  });
});

describe('GatherV2 with batchDims > 0 (stock wasm returns wrong rows for batch > 0)', () => {
  test('hand-computed example', async () => {
    const out = await onBackend('wasm', () => [
      tf.gather(tf.tensor3d([[[1], [2], [3]], [[4], [5], [6]]]), tf.tensor2d([[2, 0], [1, 2]], [2, 2], 'int32'), 1, 1),
    ]);
    expect(Array.from(out[0])).toEqual([3, 1, 5, 6]);
  });
  test('APViT top-k token gather [2,196,768] rows [2,160] (axis 1, batchDims 1)', async () => {
    const x = randn([2, 196, 768], 11);
    const idx = Int32Array.from({ length: 320 }, (_, i) => (i * 7 + (i >= 160 ? 3 : 0)) % 196);
    await compare(() => [tf.gather(t(x), tf.tensor2d(idx, [2, 160], 'int32'), 1, 1)], 0);
  });
  test('axis after an outer dim (axis 2, batchDims 1)', async () => {
    const x = randn([3, 5, 7, 2], 12);
    const idx = Int32Array.from({ length: 12 }, (_, i) => (i * 5) % 7);
    await compare(() => [tf.gather(t(x), tf.tensor2d(idx, [3, 4], 'int32'), 2, 1)], 0);
  });
  test('out-of-range index is an error', async () => {
    await initBackend('wasm');
    expect(() => tf.tidy(() => tf.gather(tf.zeros([2, 3]), tf.tensor2d([[0], [3]], [2, 1], 'int32'), 1, 1))).toThrow(/not in \[0, 2\]/);
  });
});
