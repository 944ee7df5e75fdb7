import '../../src/hooks';
import { initBackend } from '../../src/backend/backend';
import { Hook } from '../../src/runner/hook';
import { LrUpdaterHook } from '../../src/hooks/lr-updater';
import type { BaseRunner } from '../../src/runner/base-runner';
import { makeToyRunner } from '../harness/toy';

beforeAll(async () => {
  await initBackend('cpu');
});

/** LR seen by the optimizer at every iteration. */
async function lrTrace(lrCfg: Record<string, unknown>, opts: { iterBased?: boolean; maxEpochs?: number; maxIters?: number } = {}) {
  const t = makeToyRunner({ lr: 0.1, datasetSize: 8, batchSize: 4, ...opts });
  t.runner.registerHookFromCfg({ type: 'LrUpdaterHook', ...lrCfg });
  t.runner.registerHookFromCfg({ type: 'OptimizerHook' });
  const trace: number[] = [];
  class Peek extends Hook {
    readonly name = 'Peek';
    override beforeTrainIter(r: BaseRunner) {
      trace.push(r.currentLr()[0]);
    }
  }
  t.runner.registerHook(new Peek(), 'LOWEST');
  await t.runner.run([t.loader], [['train', 1]]);
  return trace;
}

describe('LrUpdaterHook', () => {
  it('CosineAnnealing by epoch sets the LR at each epoch start (APViT schedule shape)', async () => {
    const tr = await lrTrace({ policy: 'CosineAnnealing', min_lr: 0 }, { maxEpochs: 4 });
    const expected = [0, 1, 2, 3].flatMap((e) => {
      const lr = 0.5 * 0.1 * (1 + Math.cos((Math.PI * e) / 4));
      return [lr, lr];
    });
    tr.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 10));
  });

  it('step policy with linear warmup by iteration', async () => {
    const tr = await lrTrace({ policy: 'step', step: [2], gamma: 0.1, warmup: 'linear', warmup_iters: 3, warmup_ratio: 0.5 }, { maxEpochs: 3 });
    // iters 0-2 warm up from 0.05 towards 0.1; epoch 2 (iters 4-5) is decayed.
    const w = (i: number) => 0.1 * (1 - (1 - i / 3) * 0.5);
    const expected = [w(0), w(1), w(2), 0.1, 0.01, 0.01];
    tr.forEach((v, i) => expect(v).toBeCloseTo(expected[i], 10));
  });

  it('poly by iter in an iter-based run', async () => {
    const tr = await lrTrace({ policy: 'poly', power: 1, min_lr: 0, by_epoch: false }, { iterBased: true, maxIters: 4 });
    tr.forEach((v, i) => expect(v).toBeCloseTo(0.1 * (1 - i / 4), 10));
  });

  it('keeps the saved schedule on resume unless told to switch', () => {
    const h = new LrUpdaterHook({ policy: 'CosineAnnealing', min_lr: 0 });
    h.loadStateDict({ policy: { policy: 'step', step: [1], by_epoch: true, gamma: 0.5 }, base_lr: [0.2] });
    expect(h.policy.policy).toBe('step');
    expect(h.warning).toMatch(/keeping the LR schedule saved/);
    const h2 = new LrUpdaterHook({ policy: 'CosineAnnealing', min_lr: 0, resume_schedule: 'config' });
    h2.loadStateDict({ policy: { policy: 'step', step: [1], by_epoch: true, gamma: 0.5 } });
    expect(h2.policy.policy).toBe('CosineAnnealing');
  });

  it('names lr_config in errors', () => {
    expect(() => new LrUpdaterHook({ policy: 'Cosinus' })).toThrow(/lr_config/);
  });
});
