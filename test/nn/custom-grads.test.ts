/**
 * The hand-written gradients of src/nn/functional (BatchNorm in training,
 * LayerNorm, GELU, PReLU, padded conv, the convs that recompute a BatchNorm or PReLU input, the
 * stem conv → BatchNorm → PReLU that recomputes both outputs, attention with recomputed weights and
 * the linears that recompute a LayerNorm or GELU input) equal tfjs autodiff through the same
 * function composed from plain ops, on every backend present (values and all input gradients).
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { batchNormTrain, geluExact, layerNorm } from '../../src/nn/functional/norm';
import { conv2d } from '../../src/nn/functional/conv';
import { attentionCore } from '../../src/nn/functional/attention';
import { batchNormConv2d, convBatchNormPrelu, preluConv2d } from '../../src/nn/functional/recompute-conv';
import { geluLinear, layerNormLinear } from '../../src/nn/functional/recompute-linear';
import { randn, relErr, t } from '../backend/helpers';
import { presentBackends } from '../harness/backends';

type T = tf.Tensor;
const composedBN = (x: T, g: T, b: T) => {
  const { mean, variance } = tf.moments(x, [0, 1, 2]);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), g), b);
};
const composedLN = (x: T, g: T, b: T) => {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-6))), g), b);
};
const hwio = (w: T) => tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;
// zero padding spelled out: tfjs-node's conv takes only 'valid' and 'same'
const convRef = (x: T, w: tf.Tensor4D, stride: number, pad: number) =>
  tf.conv2d(tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) as tf.Tensor4D, w, stride, 'valid');
const composedGelu = (x: T) => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1));

const CASES: Array<[string, number[][], (...xs: T[]) => T, (...xs: T[]) => T]> = [
  ['BatchNorm (training statistics)', [[3, 5, 4, 6], [6], [6]], (x, g, b) => batchNormTrain(x, g, b, 1e-5), composedBN],
  ['LayerNorm', [[2, 7, 16], [16], [16]], (x, g, b) => layerNorm(x, g, b, 1e-6), composedLN],
  // a 2-D input normalises over rank - 1 axes, as BatchNorm does, but per row
  ['LayerNorm over a 2-D input', [[5, 16], [16], [16]], (x, g, b) => layerNorm(x, g, b, 1e-6), composedLN],
  ['GELU', [[5, 11]], (x) => geluExact(x, tf.erf), composedGelu],
  // weights in torch layout [out, in, kh, kw]
  ['conv2d(BatchNorm) 3x3 s2 p1, BN output recomputed', [[2, 9, 9, 3], [3], [3], [4, 3, 3, 3]],
    (x, g, b, w) => batchNormConv2d(x as tf.Tensor4D, g, b, 1e-5, w as tf.Tensor4D, 2, 1), (x, g, b, w) => convRef(composedBN(x, g, b), hwio(w), 2, 1)],
  ['conv2d(PReLU) 3x3 s1 p1, PReLU output recomputed', [[2, 7, 7, 4], [4], [5, 4, 3, 3]],
    (x, a, w) => preluConv2d(x as tf.Tensor4D, a, w as tf.Tensor4D, 1, 1), (x, a, w) => convRef(tf.add(tf.relu(x), tf.mul(a, tf.minimum(x, 0))), hwio(w), 1, 1)],
  ['PReLU(BatchNorm(conv2d)) 3x3 s1 p1, conv and BN outputs recomputed', [[2, 6, 6, 3], [8, 3, 3, 3], [8], [8], [8]],
    (x, w, g, b, a) => convBatchNormPrelu(x as tf.Tensor4D, w as tf.Tensor4D, 1, 1, g, b, 1e-5, a),
    (x, w, g, b, a) => { const y = composedBN(convRef(x, hwio(w), 1, 1), g, b); return tf.add(tf.relu(y), tf.mul(a, tf.minimum(y, 0))); }],
  // weights in torch Linear layout [out, in]
  ['LayerNorm then linear, LayerNorm output recomputed', [[6, 16], [16], [16], [5, 16]],
    (x, g, b, w) => layerNormLinear(x as tf.Tensor2D, g, b, 1e-6, w), (x, g, b, w) => tf.matMul(composedLN(x, g, b), w, false, true)],
  ['GELU then linear, GELU output recomputed', [[6, 12], [5, 12]],
    (x, w) => geluLinear(x as tf.Tensor2D, w, tf.erf), (x, w) => tf.matMul(composedGelu(x), w, false, true)],
  ['conv2d 3x3 s2 p1', [[2, 9, 9, 3], [3, 3, 3, 4]], (x, w) => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 2, 1), (x, w) => convRef(x, w as tf.Tensor4D, 2, 1)],
  // symmetric padding that is also 'same' (stride 1, k = 2p + 1): TensorFlow's kernels take the unpadded input
  ['conv2d 3x3 s1 p1', [[2, 8, 7, 3], [3, 3, 3, 4]], (x, w) => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 1), (x, w) => convRef(x, w as tf.Tensor4D, 1, 1)],
  ['conv2d 5x5 s1 p2', [[2, 7, 7, 2], [5, 5, 2, 3]], (x, w) => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 2), (x, w) => convRef(x, w as tf.Tensor4D, 1, 2)],
  ['conv2d 3x3 s1 p2 (not same)', [[2, 6, 6, 2], [3, 3, 2, 3]], (x, w) => conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, 2), (x, w) => convRef(x, w as tf.Tensor4D, 1, 2)],
  // q, k, v [B,H,N,hd]: the attention weights are recomputed in the backward
  ['attention, weights recomputed', [[2, 3, 5, 4], [2, 3, 5, 4], [2, 3, 5, 4]],
    (q, k, v) => attentionCore(q, k, v, 0.5), (q, k, v) => tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 0.5), -1), v)],
];

// every backend present: on tfjs-node the BatchNorm cases run TensorFlow's fused kernels (native-batch-norm.ts)
describe.each(presentBackends())('on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test.each(CASES)('%s: custom gradient equals autodiff of the composed ops', (_name, shapes, fast, composed) => {
    const run = (f: (...xs: T[]) => T) =>
      tf.tidy(() => {
        const xs = shapes.map((s, i) => t(randn(s, 40 + i)));
        const y = f(...xs);
        const r = t(randn(y.shape, 77));
        const gs = tf.grads((...ins: T[]) => tf.sum(tf.mul(f(...ins), r)))(xs);
        return [y, ...gs].map((v) => Float32Array.from(v.dataSync()));
      });
    const a = run(fast);
    const b = run(composed);
    a.forEach((v, i) => expect(relErr(v, b[i])).toBeLessThan(1e-5));
  });
});

describe('on cpu', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

test('BatchNorm2d reports the batch statistics it normalised with', () => {
  tf.tidy(() => {
    const x = t(randn([4, 3, 3, 2], 9));
    let seen: number[] = [];
    batchNormTrain(x, tf.ones([2]), tf.zeros([2]), 1e-5, ({ mean, count }) => {
      seen = Array.from(mean.dataSync());
      expect(count).toBe(36);
    });
    expect(seen).toEqual(Array.from(tf.mean(x, [0, 1, 2]).dataSync()));
  });
});
});
