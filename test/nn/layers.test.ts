import { presentBackends } from '../harness/backends';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { BatchNorm2d, Conv2d, Dropout, GELU, LayerNorm, Linear, MaxPool2d, PReLU, erfComposite } from '../../src/nn';
import { expectClose, seq, setData } from './helpers';

/** Naive NHWC conv with a torch-layout weight [out, in/g, kh, kw]. */
function naiveConv(x: Float32Array, [b, h, w, cin]: number[], wt: Float32Array, cout: number, k: number, stride: number, pad: number, groups: number, bias?: Float32Array) {
  const ho = Math.floor((h + 2 * pad - k) / stride) + 1;
  const wo = Math.floor((w + 2 * pad - k) / stride) + 1;
  const cinG = cin / groups;
  const coutG = cout / groups;
  const out = new Float64Array(b * ho * wo * cout);
  for (let n = 0; n < b; n++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let o = 0; o < cout; o++) {
          const g = Math.floor(o / coutG);
          let s = bias ? bias[o] : 0;
          for (let c = 0; c < cinG; c++)
            for (let di = 0; di < k; di++)
              for (let dj = 0; dj < k; dj++) {
                const y = i * stride - pad + di;
                const xx = j * stride - pad + dj;
                if (y < 0 || y >= h || xx < 0 || xx >= w) continue;
                s += x[((n * h + y) * w + xx) * cin + g * cinG + c] * wt[((o * cinG + c) * k + di) * k + dj];
              }
          out[((n * ho + i) * wo + j) * cout + o] = s;
        }
  return { out, shape: [b, ho, wo, cout] };
}

describe.each(presentBackends())('nn layers on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each([
    // [cin, cout, k, stride, pad, groups, bias, h, w]
    [3, 4, 3, 1, 1, 1, false, 5, 6],
    [4, 6, 3, 2, 1, 1, true, 6, 6],
    [4, 6, 3, 2, 1, 1, false, 7, 5],
    [4, 8, 1, 2, 0, 1, false, 5, 6],
    [4, 8, 1, 1, 0, 1, true, 3, 3],
    [4, 8, 3, 1, 1, 4, true, 4, 5],
    [4, 6, 3, 1, 0, 2, false, 5, 5],
  ])('Conv2d(in %d, out %d, k %d, stride %d, pad %d, groups %d, bias %s) matches a naive loop', (cin, cout, k, stride, pad, groups, bias, h, w) => {
    const conv = new Conv2d({ inChannels: cin, outChannels: cout, kernelSize: k, stride, padding: pad, groups, bias });
    expect(conv.weight.shape).toEqual([cout, cin / groups, k, k]);
    const wt = seq(conv.weight.size, 7);
    setData(conv.weight, wt);
    const bv = bias ? seq(cout, 9) : undefined;
    if (bv) setData(conv.bias!, bv);
    const xs = [2, h, w, cin];
    const x = seq(xs.reduce((a, b) => a * b), 3);
    const want = naiveConv(x, xs, wt, cout, k, stride, pad, groups, bv);
    const y = tf.tidy(() => conv.forward(tf.tensor(x, xs)));
    expect(y.shape).toEqual(want.shape);
    expectClose(y.dataSync(), want.out, 1e-5);
    y.dispose();
    conv.dispose();
  });

  it('BatchNorm2d training normalises with batch stats and updates running stats (unbiased var)', () => {
    const bn = new BatchNorm2d({ numFeatures: 2 });
    // channel 0: 1,2,3,6 ; channel 1: -1,0,1,4   (B=1,H=2,W=2)
    const x = tf.tensor([1, -1, 2, 0, 3, 1, 6, 4], [1, 2, 2, 2]);
    setData(bn.weight, new Float32Array([2, 1]));
    setData(bn.bias, new Float32Array([0.5, -1]));
    const y = bn.forward(x);
    // mean 3 / 1, biased var (4+1+0+9)/4 = 3.5 for both, unbiased 14/3
    const inv = 1 / Math.sqrt(3.5 + 1e-5);
    const want = [(1 - 3) * inv * 2 + 0.5, (-1 - 1) * inv - 1, (2 - 3) * inv * 2 + 0.5, (0 - 1) * inv - 1, 0.5, 0 * inv - 1, 3 * inv * 2 + 0.5, 3 * inv - 1];
    expectClose(y.dataSync(), want, 1e-5);
    expectClose(bn.runningMean.dataSync(), [0.3, 0.1], 1e-6);
    expectClose(bn.runningVar.dataSync(), [0.9 + 0.1 * (14 / 3), 0.9 + 0.1 * (14 / 3)], 1e-6);
    expect(bn.numBatchesTracked.dtype).toBe('int32');
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(1);
    bn.forward(x).dispose();
    expect(bn.numBatchesTracked.dataSync()[0]).toBe(2);
    expectClose(bn.runningMean.dataSync(), [0.9 * 0.3 + 0.3, 0.9 * 0.1 + 0.1], 1e-6);
    // eval: running statistics
    bn.eval();
    setData(bn.runningMean, new Float32Array([1, -2]));
    setData(bn.runningVar, new Float32Array([4, 0.25]));
    const ye = bn.forward(x);
    const e = (v: number, c: number) => (c === 0 ? ((v - 1) / Math.sqrt(4 + 1e-5)) * 2 + 0.5 : (v + 2) / Math.sqrt(0.25 + 1e-5) - 1);
    expectClose(ye.dataSync(), [1, -1, 2, 0, 3, 1, 6, 4].map((v, i) => e(v, i % 2)), 1e-5);
    tf.dispose([x, y, ye]);
    bn.dispose();
  });

  it('PReLU uses one slope per channel', () => {
    const p = new PReLU({ numParameters: 3 });
    expectClose(p.weight.dataSync(), [0.25, 0.25, 0.25]);
    setData(p.weight, new Float32Array([0.1, 0.2, 0.3]));
    const y = p.forward(tf.tensor([-1, -2, 3, 4, -5, -6], [2, 3]));
    expectClose(y.dataSync(), [-0.1, -0.4, 3, 4, -1, -1.8]);
    y.dispose();
    p.dispose();
  });

  it('LayerNorm uses the biased variance and the given eps', () => {
    const ln = new LayerNorm({ normalizedShape: 4, eps: 1e-6 });
    setData(ln.weight, new Float32Array([1, 2, 1, 1]));
    setData(ln.bias, new Float32Array([0, 0, 1, 0]));
    const y = ln.forward(tf.tensor([1, 2, 3, 4], [1, 4]));
    const inv = 1 / Math.sqrt(1.25 + 1e-6);
    expectClose(y.dataSync(), [-1.5 * inv, -0.5 * inv * 2, 0.5 * inv + 1, 1.5 * inv]);
    y.dispose();
    ln.dispose();
  });

  it('GELU is the exact erf form', () => {
    const x = tf.tensor([-3, -1, -0.5, 0, 0.5, 1, 2, 4]);
    // 0.5·x·(1+erf(x/√2)) in float64
    const want = [-0.0040496642, -0.15865525393, -0.15426876936, 0, 0.34573123063, 0.84134474606, 1.95449973610, 3.99987332819];
    const y = new GELU().forward(x);
    expectClose(y.dataSync(), want, 2e-6);
    const yc = tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(erfComposite(tf.mul(x, Math.SQRT1_2)), 1)));
    expectClose(yc.dataSync(), want, 2e-6);
    tf.dispose([x, y, yc]);
  });

  it('Linear computes x·Wᵀ + b with W [out, in] over any leading dims', () => {
    const l = new Linear({ inFeatures: 3, outFeatures: 2 });
    expect(l.weight.shape).toEqual([2, 3]);
    setData(l.weight, new Float32Array([1, 2, 3, -1, 0, 1]));
    setData(l.bias!, new Float32Array([0.5, -0.5]));
    const y = l.forward(tf.tensor([1, 1, 1, 2, 0, -1], [1, 2, 3]));
    expect(y.shape).toEqual([1, 2, 2]);
    expectClose(y.dataSync(), [6.5, -0.5, -0.5, -3.5]);
    y.dispose();
    l.dispose();
  });

  it('MaxPool2d(1, 2) subsamples x[:, ::2, ::2] and passes gradients to those pixels', () => {
    const x = tf.tensor(Array.from({ length: 25 }, (_, i) => i), [1, 5, 5, 1]);
    const y = new MaxPool2d({ kernelSize: 1, stride: 2 }).forward(x);
    expect(y.shape).toEqual([1, 3, 3, 1]);
    expect(Array.from(y.dataSync())).toEqual([0, 2, 4, 10, 12, 14, 20, 22, 24]);
    const g = tf.grad((a: tf.Tensor) => new MaxPool2d({ kernelSize: 1, stride: 2 }).forward(a).sum())(x);
    expect(Array.from(g.dataSync()).reduce((a, b) => a + b)).toBe(9);
    expect(g.dataSync()[12]).toBe(1);
    expect(g.dataSync()[1]).toBe(0);
    tf.dispose([x, y, g]);
  });

  it('Dropout is the identity in eval mode and zeroes/rescales in training', () => {
    const d = new Dropout({ p: 0.5 });
    const x = tf.ones([1000]);
    const yt = d.forward(x);
    const v = yt.dataSync();
    const zeros = v.filter((a) => a === 0).length;
    expect(zeros).toBeGreaterThan(350);
    expect(zeros).toBeLessThan(650);
    expect(v.every((a) => a === 0 || Math.abs(a - 2) < 1e-6)).toBe(true);
    d.eval();
    expect(d.forward(x)).toBe(x);
    tf.dispose([x, yt]);
  });
});

describe.each(presentBackends())('Conv2d gradients on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it.each([
    [1, 1, 6, 6],
    [2, 1, 6, 6],
    [2, 1, 7, 5],
    [1, 0, 5, 5],
    [2, 0, 6, 7],
  ])('stride %d pad %d (%dx%d): dW and dx match a finite-difference-free analytic reference', (stride, pad, h, w) => {
    const conv = new Conv2d({ inChannels: 3, outChannels: 4, kernelSize: 3, stride, padding: pad, bias: true });
    setData(conv.weight, seq(conv.weight.size, 5));
    const xs = [2, h, w, 3];
    const x = tf.tensor(seq(xs.reduce((a, b) => a * b), 8), xs);
    const yShape = conv.forward(x).shape;
    const r = tf.tensor(seq(yShape.reduce((a, b) => a * b), 4), yShape);
    // loss = Σ conv(x)·r ; reference gradients from the naive loop: dL/dW[o,c,i,j] = Σ r·x_shift, dL/dx likewise
    const { grads } = tf.variableGrads(() => tf.sum(tf.mul(conv.forward(x), r)) as tf.Scalar, [conv.weight, conv.bias!]);
    const gx = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(conv.forward(a), r)))(x);
    const xv = x.dataSync();
    const rv = r.dataSync();
    const [, ho, wo] = yShape;
    const dW = new Float64Array(conv.weight.size);
    const dX = new Float64Array(x.size);
    const wv = conv.weight.dataSync();
    for (let n = 0; n < 2; n++)
      for (let i = 0; i < ho; i++)
        for (let j = 0; j < wo; j++)
          for (let o = 0; o < 4; o++) {
            const g = rv[((n * ho + i) * wo + j) * 4 + o];
            for (let c = 0; c < 3; c++)
              for (let di = 0; di < 3; di++)
                for (let dj = 0; dj < 3; dj++) {
                  const yy = i * stride - pad + di;
                  const xx = j * stride - pad + dj;
                  if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
                  const xi = ((n * h + yy) * w + xx) * 3 + c;
                  const wi = ((o * 3 + c) * 3 + di) * 3 + dj;
                  dW[wi] += g * xv[xi];
                  dX[xi] += g * wv[wi];
                }
          }
    expectClose(grads[conv.weight.name].dataSync(), dW, 1e-4);
    expectClose(gx.dataSync(), dX, 1e-4);
    const db = [0, 1, 2, 3].map((o) => Array.from(rv).filter((_, i) => i % 4 === o).reduce((a: number, b: number) => a + b, 0));
    expectClose(grads[conv.bias!.name].dataSync(), db, 1e-4);
    tf.dispose([x, r, gx, grads]);
    conv.dispose();
  });
});
