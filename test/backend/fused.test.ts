/**
 * Fused inference helpers (src/nn/functional/fused.ts) against the unfused
 * ops, on cpu and wasm: BN folding is exact in eval mode up to float32
 * rounding (relative error <= 1e-5).
 */
import { tf } from '../../src/tf';
import type { BackendName } from '../../src/backend/backend';
import { convPad } from '../../src/nn/functional/conv';
import { conv2dBiasPrelu, foldBatchNorm, linear, torchToTfConvWeight } from '../../src/nn/functional/fused';
import { onBackend, presentBackends, randn, relErr, t } from './helpers';

const TOL = 1e-5;
const backends: BackendName[] = presentBackends();

function bnParams(c: number) {
  return {
    weight: t(randn([c], 31)),
    bias: t(randn([c], 32)),
    runningMean: t(randn([c], 33)),
    runningVar: tf.add(tf.square(t(randn([c], 34))), 0.1),
    eps: 1e-5,
  };
}

const bnEval = (y: tf.Tensor, bn: ReturnType<typeof bnParams>) =>
  tf.add(tf.mul(tf.div(tf.sub(y, bn.runningMean), tf.sqrt(tf.add(bn.runningVar, bn.eps))), bn.weight), bn.bias);

describe.each(backends)('%s', (backend) => {
  test('foldBatchNorm (torch layout, conv without bias) equals conv -> BN(eval)', async () => {
    const [a, b] = await onBackend(backend, () => {
      const x = t(randn([2, 9, 9, 8], 35)) as tf.Tensor4D;
      const wTorch = t(randn([16, 8, 3, 3], 36));
      const bn = bnParams(16);
      const ref = bnEval(tf.conv2d(x, torchToTfConvWeight(wTorch), 2, convPad(1)), bn);
      const f = foldBatchNorm(wTorch, bn);
      expect(f.weight.shape).toEqual([16, 8, 3, 3]);
      const got = tf.add(tf.conv2d(x, torchToTfConvWeight(f.weight), 2, convPad(1)), f.bias);
      return [got, ref];
    });
    expect(relErr(a, b)).toBeLessThanOrEqual(TOL);
  });

  test('foldBatchNorm (tf layout, conv with bias) + fused conv2dBiasPrelu equals conv + bias -> BN -> PReLU', async () => {
    const [a, b] = await onBackend(backend, () => {
      const x = t(randn([2, 7, 7, 4], 37)) as tf.Tensor4D;
      const w = t(randn([3, 3, 4, 6], 38)) as tf.Tensor4D;
      const convBias = t(randn([6], 39));
      const alpha = tf.mul(t(randn([6], 40)), 0.25);
      const bn = bnParams(6);
      const ref = tf.prelu(bnEval(tf.add(tf.conv2d(x, w, 1, 'same'), convBias), bn), alpha);
      const f = foldBatchNorm(w, bn, { layout: 'tf', convBias });
      const got = conv2dBiasPrelu(x, { filter: f.weight as tf.Tensor4D, bias: f.bias, alpha, stride: 1, pad: 'same' });
      return [got, ref];
    });
    expect(relErr(a, b)).toBeLessThanOrEqual(TOL);
  });

  test('linear (fused matMul + bias) on [B,N,C] equals x @ W^T + b', async () => {
    const [a, b, c, d] = await onBackend(backend, () => {
      const x = t(randn([2, 5, 12], 41));
      const w = t(randn([7, 12], 42));
      const bias = t(randn([7], 43));
      const ref = tf.add(tf.matMul(tf.reshape(x, [10, 12]), tf.transpose(w)), bias).reshape([2, 5, 7]);
      const got = linear(x, w, bias);
      expect(got.shape).toEqual([2, 5, 7]);
      return [got, ref, linear(x, w, bias, 'relu'), tf.relu(ref)];
    });
    expect(relErr(a, b)).toBeLessThanOrEqual(TOL);
    expect(relErr(c, d)).toBeLessThanOrEqual(TOL);
  });
});

test('shape errors name the mismatch', () => {
  tf.tidy(() => {
    expect(() => foldBatchNorm(tf.zeros([4, 2, 3, 3]), bnParams(5))).toThrow(/bn.weight has 5 values, the conv has 4 output channels/);
    expect(() => foldBatchNorm(tf.zeros([4, 2]), bnParams(4))).toThrow(/rank 4/);
    expect(() => linear(tf.zeros([2, 3]), tf.zeros([4, 5]))).toThrow(/does not match input features 3/);
  });
});
