import '../../src/hooks';
import { initBackend } from '../../src/backend/backend';
import { OptimizerHook } from '../../src/hooks/optimizer';
import { GradientCumulativeOptimizerHook } from '../../src/hooks/gradient-cumulative-optimizer';
import { trainStep } from '../../src/runner/train-step';
import { tf } from '../../src/tf';
import { makeToyRunner, weightsOf } from '../harness/toy';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('OptimizerHook', () => {
  it('clips by total L2 norm, logs grad_norm and steps', async () => {
    const t = makeToyRunner({ maxEpochs: 1, datasetSize: 4, batchSize: 4, lr: 1, momentum: 0 });
    const batch = [...(t.loader as unknown as Iterable<never>)][0];
    // Expected: the raw gradient norm and the clipped update from a separate step.
    const before = weightsOf(t.model);
    const probe = trainStep(t.model, batch);
    const norm = Math.sqrt(Object.values(probe.grads).reduce((s, g) => s + (g.square().sum().dataSync()[0] as number), 0));
    const maxNorm = norm / 4;
    const scale = maxNorm / (norm + 1e-6);
    const expected = Object.fromEntries(
      Object.entries(before).map(([k, w]) => {
        const g = probe.grads[k].dataSync();
        // SGD with weight_decay 1e-4 (coupled) and lr 1.
        return [k, w.map((v, i) => Math.fround(v - (g[i] * scale + 1e-4 * v)))];
      }),
    );
    Object.values(probe.grads).forEach((g) => g.dispose());
    t.runner.registerHook(new OptimizerHook({ grad_clip: { max_norm: maxNorm } }));
    await t.runner.run([t.loader], [['train', 1]]);
    const after = weightsOf(t.model);
    for (const k of Object.keys(after)) after[k].forEach((v, i) => expect(v).toBeCloseTo(expected[k][i], 5));
    t.runner.logBuffer.average();
    expect(t.runner.logBuffer.output.grad_norm as number).toBeCloseTo(norm, 4);
  });
});

describe('GradientCumulativeOptimizerHook', () => {
  it('k accumulated batches of B equal one batch of kB (SGD, no momentum)', async () => {
    const big = makeToyRunner({ maxEpochs: 1, datasetSize: 8, batchSize: 8, lr: 0.5, momentum: 0 });
    Object.assign(big.loader, { shuffle: false });
    big.runner.registerHook(new OptimizerHook());
    await big.runner.run([big.loader], [['train', 1]]);

    const acc = makeToyRunner({ maxEpochs: 1, datasetSize: 8, batchSize: 4, lr: 0.5, momentum: 0 });
    Object.assign(acc.loader, { shuffle: false });
    const hook = new GradientCumulativeOptimizerHook({ cumulative_iters: 2 });
    let steps = 0;
    const step = acc.optimizer.step.bind(acc.optimizer);
    acc.optimizer.step = (g) => {
      steps++;
      step(g);
    };
    acc.runner.registerHook(hook);
    const n0 = tf.memory().numTensors;
    await acc.runner.run([acc.loader], [['train', 1]]);
    expect(steps).toBe(1);
    expect(tf.memory().numTensors).toBe(n0);
    const a = weightsOf(acc.model);
    const b = weightsOf(big.model);
    for (const k of Object.keys(a)) a[k].forEach((v, i) => expect(v).toBeCloseTo(b[k][i], 6));
  });

  it('divides the last incomplete block by its size', () => {
    const t = makeToyRunner({ maxEpochs: 1 });
    t.runner.maxIters = 7;
    const hook = new GradientCumulativeOptimizerHook({ cumulative_iters: 3 });
    t.runner.iter = 5;
    expect(hook.lossFactor(t.runner)).toBe(3);
    t.runner.iter = 6;
    expect(hook.lossFactor(t.runner)).toBe(1);
    expect(() => new GradientCumulativeOptimizerHook({ cumulative_iters: 0 })).toThrow(/positive integer/);
  });
});
