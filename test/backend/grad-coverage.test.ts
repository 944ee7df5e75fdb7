/**
 * Gradient coverage: every op that APViT/TransFER differentiate, run with
 * `tf.grads` on every backend present, compared with the cpu backend
 * (norm-wise relative error <= 1e-5 at float32). Shapes are scaled down so
 * that the pure-JS cpu backend stays fast; real-shape checks of the heavy
 * kernels live in wasm-kernels.test.ts.
 */
import { tf } from '../../src/tf';
import type { BackendName } from '../../src/backend/backend';
import { conv2d, depthwiseConv2d } from '../../src/nn/functional/conv';
import { prelu } from '../../src/nn/functional/prelu';
import { onBackend, presentBackends, randn, relErr, t } from './helpers';

const TOL = 1e-5;
type T = tf.Tensor;
interface Case {
  name: string;
  shapes: number[][];
  /** Inputs to differentiate get N(0,1) data; `positive` ones get x^2 + 0.5. */
  positive?: boolean;
  f: (...xs: T[]) => T;
}

const gelu = (x: T) => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.div(x, Math.SQRT2))));
const layerNorm = (x: T, g: T, b: T) => {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-6))), g), b);
};
const batchNormTrain = (x: T, g: T, b: T) => {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.batchNorm(x, mean, variance, b, g, 1e-5);
};
const labels = (b: number, c: number) => tf.oneHot(tf.tensor1d(Array.from({ length: b }, (_, i) => (i * 3) % c), 'int32'), c);

const CASES: Case[] = [
  // numeric padding goes through the backend-neutral helpers (tensorflow refuses a bare number)
  { name: 'conv2d 3x3 s1 p1', shapes: [[2, 8, 8, 4], [3, 3, 4, 6]], f: (x, w) => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 1) },
  { name: 'conv2d 3x3 s2 p1', shapes: [[2, 9, 9, 4], [3, 3, 4, 6]], f: (x, w) => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 1) },
  { name: 'conv2d 3x3 s2 p1 (even input)', shapes: [[2, 8, 8, 3], [3, 3, 3, 5]], f: (x, w) => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 1) },
  { name: 'conv2d 3x3 s1 p0', shapes: [[2, 7, 7, 3], [3, 3, 3, 4]], f: (x, w) => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 0) },
  { name: 'conv2d 1x1 s2', shapes: [[2, 8, 8, 4], [1, 1, 4, 6]], f: (x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 0) },
  {
    name: 'fused conv2d + bias + prelu', shapes: [[2, 7, 7, 3], [3, 3, 3, 5], [5], [5]],
    f: (x, w, b, a) => tf.fused.conv2d({ x: x as tf.Tensor4D, filter: w as tf.Tensor4D, strides: 1, pad: 'same', bias: b, activation: 'prelu', preluActivationWeights: a }),
  },
  { name: 'depthwise conv2d 3x3', shapes: [[2, 6, 6, 4], [3, 3, 4, 1]], f: (x, w) => tf.depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 'same') },
  { name: 'depthwise conv2d 3x3 s2 multiplier 2', shapes: [[2, 7, 7, 3], [3, 3, 3, 2]], f: (x, w) => depthwiseConv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 1) },
  { name: 'batchNorm (training statistics)', shapes: [[2, 4, 4, 6], [6], [6]], f: batchNormTrain },
  { name: 'prelu', shapes: [[2, 4, 4, 6], [6]], f: (x, a) => tf.prelu(x, a) },
  { name: 'prelu helper (composed on tensorflow)', shapes: [[2, 4, 4, 6], [6]], f: (x, a) => prelu(x, a) },
  { name: 'prelu helper, one shared slope', shapes: [[3, 5], [1]], f: (x, a) => prelu(x, a) },
  { name: 'maxPool 1x1 s2 (IR-50 shortcut subsampling)', shapes: [[2, 6, 6, 3]], f: (x) => tf.maxPool(x as tf.Tensor4D, 1, 2, 'valid') },
  { name: 'maxPool 2x2 s2', shapes: [[1, 6, 6, 2]], f: (x) => tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid') },
  { name: 'maxPool 3x3 s2 same', shapes: [[2, 7, 7, 3]], f: (x) => tf.maxPool(x as tf.Tensor4D, 3, 2, 'same') },
  { name: 'avgPool 2x2 s2', shapes: [[1, 6, 6, 2]], f: (x) => tf.avgPool(x as tf.Tensor4D, 2, 2, 'valid') },
  { name: 'matMul', shapes: [[5, 7], [7, 6]], f: (a, b) => tf.matMul(a, b) },
  { name: 'matMul b^T (linear layer)', shapes: [[5, 7], [6, 7]], f: (a, b) => tf.matMul(a, b, false, true) },
  { name: 'matMul a^T b^T', shapes: [[7, 5], [6, 7]], f: (a, b) => tf.matMul(a, b, true, true) },
  { name: 'fused matMul b^T + bias + relu', shapes: [[5, 7], [6, 7], [6]], f: (a, b, c) => tf.fused.matMul({ a, b, transposeB: true, bias: c, activation: 'relu' }) },
  { name: 'fused matMul a^T + bias', shapes: [[7, 5], [7, 6], [6]], f: (a, b, c) => tf.fused.matMul({ a, b, transposeA: true, bias: c }) },
  { name: 'batchMatMul q k^T (4-D heads)', shapes: [[2, 3, 5, 4], [2, 3, 6, 4]], f: (a, b) => tf.matMul(a, b, false, true) },
  { name: 'batchMatMul attn v', shapes: [[2, 3, 5, 6], [2, 3, 6, 4]], f: (a, b) => tf.matMul(a, b) },
  { name: 'layerNorm', shapes: [[2, 5, 16], [16], [16]], f: layerNorm },
  { name: 'GELU (erf)', shapes: [[4, 9]], f: gelu },
  { name: 'softmax', shapes: [[2, 3, 5, 5]], f: (x) => tf.softmax(x) },
  { name: 'logSoftmax', shapes: [[4, 7]], f: (x) => tf.logSoftmax(x) },
  { name: 'softmax cross-entropy', shapes: [[4, 7]], f: (x) => tf.neg(tf.mean(tf.sum(tf.mul(labels(4, 7), tf.logSoftmax(x)), -1))) },
  { name: 'gather rows (axis 0)', shapes: [[10, 8]], f: (x) => tf.gather(x, tf.tensor1d([3, 1, 3, 9], 'int32')) },
  { name: 'gather tokens (axis 1, batchDims 1)', shapes: [[2, 6, 8]], f: (x) => tf.gather(x, tf.tensor2d([[5, 0, 2], [1, 1, 4]], [2, 3], 'int32'), 1, 1) },
  { name: 'concat + slice', shapes: [[2, 3, 4], [2, 5, 4]], f: (a, b) => tf.slice(tf.concat([a, b], 1), [0, 1, 1], [2, 6, 3]) },
  { name: 'reshape + transpose', shapes: [[2, 3, 4, 5]], f: (x) => tf.transpose(tf.reshape(x, [2, 12, 5]), [0, 2, 1]) },
  { name: 'mean / sum', shapes: [[3, 4, 5]], f: (x) => tf.add(tf.mean(x, 1), tf.sum(x, 1)) },
  { name: 'max over maps (TransFER)', shapes: [[2, 4, 4, 3]], f: (x) => tf.max(x, [1, 2]) },
  { name: 'max over channels', shapes: [[2, 4, 4, 3]], f: (x) => tf.max(x, -1, true) },
  { name: 'sigmoid', shapes: [[3, 8]], f: (x) => tf.sigmoid(x) },
  { name: 'relu', shapes: [[3, 8]], f: (x) => tf.relu(x) },
  { name: 'tanh', shapes: [[3, 8]], f: (x) => tf.tanh(x) },
  { name: 'mul / add / sub / div (broadcast)', shapes: [[3, 4], [4], [3, 1]], f: (a, b, c) => tf.div(tf.sub(tf.add(tf.mul(a, b), c), a), tf.add(tf.square(c), 1)) },
  { name: 'sqrt / rsqrt', shapes: [[3, 5]], positive: true, f: (x) => tf.add(tf.sqrt(x), tf.rsqrt(x)) },
  // (tfjs's SquaredDifference gradient does not reduce broadcast dims: equal shapes)
  { name: 'squaredDifference / square', shapes: [[3, 5], [3, 5]], f: (a, b) => tf.add(tf.squaredDifference(a, b), tf.square(a)) },
];

async function gradsOn(backend: BackendName, c: Case): Promise<Float32Array[]> {
  return onBackend(backend, () => {
    const xs = c.shapes.map((s, i) => {
      const d = t(randn(s, 100 + i));
      return c.positive ? tf.add(tf.square(d), 0.5) : d;
    });
    const loss = (...ins: T[]) => {
      const y = c.f(...ins);
      const r = randn(y.shape, 999);
      return tf.sum(tf.mul(y, tf.tensor(r.data, y.shape)));
    };
    // the forward output is compared elementwise (a summed loss can cancel)
    const y = c.f(...xs);
    const gs = tf.grads(loss)(xs);
    return [y, ...gs];
  });
}

const others = presentBackends().filter((b) => b !== 'cpu');

test('wasm is among the backends under test', () => {
  expect(others).toContain('wasm');
});

describe.each(others)('%s gradients match cpu', (backend) => {
  test.each(CASES.map((c) => [c.name, c] as [string, Case]))('%s', async (_name, c) => {
    const ref = await gradsOn('cpu', c);
    const got = await gradsOn(backend, c);
    expect(got.length).toBe(ref.length);
    got.forEach((g, i) => {
      const e = relErr(g, ref[i]);
      if (!(e <= TOL)) throw new Error(`${c.name}: ${i === 0 ? 'forward output' : `grad of input ${i - 1}`} rel err ${e}`);
    });
  });
});
