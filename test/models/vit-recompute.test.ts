/**
 * In training, a ViT block's MLP keeps the tensors before its LayerNorm and
 * GELU instead of its linears' inputs (`Linear.forwardAfter`). Without
 * dropout a block computes the same function in both modes, so its values
 * and gradients in training must equal those of eval mode (plain ops).
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { Block } from '../../src/models/vit-layers';
import { randn, relErr, t } from '../backend/helpers';

beforeAll(async () => {
  await initBackend('cpu');
});

test('Block: training (recomputed LayerNorm and GELU outputs) equals eval mode, values and every gradient', () => {
  const block = new Block({ dim: 16, numHeads: 2, mlpRatio: 3, qkvBias: true });
  const params = block.parameters();
  for (const [i, p] of params.entries()) p.assign(t(randn(p.shape, 100 + i, 0.5)));
  const x = t(randn([2, 5, 16], 1));
  const r = t(randn([2, 5, 16], 2));
  const run = (training: boolean) => {
    block.train(training);
    return tf.tidy(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(block.forward(x), r)) as tf.Scalar, params);
      const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(block.forward(xi), r)))(x);
      return [value, dx, ...params.map((p) => grads[p.name])].map((v) => Float32Array.from(v.dataSync()));
    });
  };
  const trained = run(true);
  const plain = run(false);
  expect(trained).toHaveLength(params.length + 2);
  trained.forEach((v, i) => expect(relErr(v, plain[i])).toBeLessThan(1e-5));
  tf.dispose([x, r]);
});

test('Mlp with an active dropout keeps the plain path (the mask cannot be recomputed)', () => {
  const block = new Block({ dim: 8, numHeads: 2, mlpRatio: 2, drop: 0.5 });
  block.train();
  const spy = jest.spyOn(block.mlp.fc2, 'forwardAfter');
  tf.tidy(() => block.forward(tf.ones([1, 3, 8])));
  expect(spy).not.toHaveBeenCalled();
  block.eval();
  tf.tidy(() => block.forward(tf.ones([1, 3, 8])));
  expect(spy).not.toHaveBeenCalled();
  const plainBlock = new Block({ dim: 8, numHeads: 2, mlpRatio: 2 });
  plainBlock.train();
  const spy2 = jest.spyOn(plainBlock.mlp.fc2, 'forwardAfter');
  tf.tidy(() => plainBlock.forward(tf.ones([1, 3, 8])));
  expect(spy2).toHaveBeenCalledTimes(1);
});
