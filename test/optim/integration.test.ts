/**
 * The pieces together, as the runner will use them: named gradients, clipping,
 * SGD with paramwise groups, and an LR policy, on a tiny softmax regression.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { buildOptimizer, clipGradNorm, namedVariableGrads, disposeGrads } from '../../src/optim';
import { applyLr, buildLrPolicy } from '../../src/lr';
import { accuracy } from '../../src/metrics';
import { Rng } from '../../src/utils/rng';

beforeAll(async () => {
  await initBackend('cpu');
});

it('trains a softmax regression; tensor count stays flat', () => {
  const rng = new Rng(7);
  const N = 64;
  const D = 4;
  const C = 3;
  const xs: number[] = [];
  const ys: number[] = [];
  for (let i = 0; i < N; i++) {
    const c = i % C;
    for (let d = 0; d < D; d++) xs.push((d === c ? 2 : 0) + rng.normal() * 0.5);
    ys.push(c);
  }
  const x = tf.tensor2d(xs, [N, D]);
  const y = tf.oneHot(tf.tensor1d(ys, 'int32'), C);
  const named: Array<[string, tf.Variable]> = [
    ['head.fc.weight', tf.variable(tf.zeros([D, C]))],
    ['head.fc.bias', tf.variable(tf.zeros([C]))],
    ['unused.weight', tf.variable(tf.ones([2]))],
  ];
  const opt = buildOptimizer(named, { type: 'SGD', lr: 0.5, momentum: 0.9, weight_decay: 1e-4, paramwise_cfg: { bias_decay_mult: 0 } });
  const policy = buildLrPolicy({ policy: 'CosineAnnealing', min_lr: 0, by_epoch: false, warmup: 'linear', warmup_iters: 5, warmup_ratio: 0.1 });
  const loss = () => tf.losses.softmaxCrossEntropy(y, x.matMul(named[0][1]).add(named[1][1])) as tf.Scalar;
  const losses: number[] = [];
  let count = -1;
  const iters = 30;
  for (let iter = 0; iter < iters; iter++) {
    applyLr(opt, policy, { epoch: 0, iter, maxEpochs: 1, maxIters: iters, itersPerEpoch: iters });
    const { value, grads } = namedVariableGrads(loss, named);
    expect(Object.keys(grads).sort()).toEqual(['head.fc.bias', 'head.fc.weight']); // unused: no gradient
    clipGradNorm(grads, 5);
    opt.step(grads);
    losses.push(value.dataSync()[0]);
    value.dispose();
    disposeGrads(grads);
    if (iter === 1) count = tf.memory().numTensors;
    if (iter > 1) expect(tf.memory().numTensors).toBe(count);
  }
  expect(losses[iters - 1]).toBeLessThan(losses[0] * 0.3);
  expect(opt.getLr()[0]).toBeLessThan(0.01); // cosine reached its tail
  const scores = tf.tidy(() => tf.softmax(x.matMul(named[0][1]).add(named[1][1])));
  const s = scores.arraySync() as number[][];
  expect(accuracy(s, ys, [1])[0]).toBeGreaterThan(90);
  expect(Array.from(named[2][1].dataSync())).toEqual([1, 1]);
  scores.dispose();
  opt.dispose();
  [x, y, ...named.map(([, v]) => v)].forEach((t) => t.dispose());
});
