import '../../src/hooks';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/backend/backend';
import { EMAHook } from '../../src/hooks/ema';
import { registerTrainingHooks } from '../../src/runner/default-hooks';
import type { EpochBasedRunner } from '../../src/runner/epoch-based-runner';
import { Hook } from '../../src/runner/hook';
import type { BaseRunner } from '../../src/runner/base-runner';
import { makeToyRunner, tmpWorkDir, weightsOf } from '../harness/toy';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('EMAHook', () => {
  it('follows the mmcv update rule and swaps EMA weights in after each epoch', async () => {
    const t = makeToyRunner({ maxEpochs: 1, datasetSize: 8, batchSize: 4, momentum: 0 });
    t.runner.registerHookFromCfg({ type: 'OptimizerHook' });
    const hook = new EMAHook({ momentum: 0.5, warm_up: 1 });
    t.runner.registerHook(hook);
    // Reference EMA from the raw weights after every iteration.
    let ref: Record<string, number[]> | undefined;
    class Track extends Hook {
      readonly name = 'Track';
      override afterTrainIter(r: BaseRunner) {
        const w = weightsOf(t.model);
        const m = Math.min(0.5, (1 + r.iter) / (1 + r.iter));
        ref = ref ? Object.fromEntries(Object.entries(w).map(([k, v]) => [k, v.map((x, i) => (1 - m) * ref![k][i] + m * x)])) : undefined;
      }
      override beforeTrainEpoch() {
        ref = weightsOf(t.model);
      }
    }
    t.runner.registerHook(new Track(), 45); // after the optimizer step, before the EMA update
    let rawAtEnd: Record<string, number[]> = {};
    class Raw extends Hook {
      readonly name = 'Raw';
      override afterTrainIter() {
        rawAtEnd = weightsOf(t.model);
      }
    }
    t.runner.registerHook(new Raw(), 'LOWEST');
    await t.runner.run([t.loader], [['train', 1]]);
    const now = weightsOf(t.model);
    expect(now).not.toEqual(rawAtEnd);
    for (const k of Object.keys(now)) now[k].forEach((v, i) => expect(v).toBeCloseTo(ref![k][i], 5));
  });

  it('resumes exactly with EMA in the run', async () => {
    const run = async (wd: string, stop?: number, resume?: string) => {
      const t = makeToyRunner({ workDir: wd, maxEpochs: 4, modelSeed: resume ? 9 : 1 });
      registerTrainingHooks(t.runner, {
        lr_config: { policy: 'step', step: [2] },
        optimizer_config: {},
        checkpoint_config: { interval: 1 },
        custom_hooks: [{ type: 'EMAHook', momentum: 0.1, warm_up: 2 }],
      });
      if (stop) (t.runner as EpochBasedRunner).stopAfterEpochs = stop;
      if (resume) await t.runner.resume(resume);
      await t.runner.run([t.loader], [['train', 1]]);
      return t;
    };
    const full = await run(tmpWorkDir('emafull'));
    const wd = tmpWorkDir('emakill');
    await run(wd, 2);
    const resumed = await run(wd, undefined, path.join(wd, 'latest'));
    expect(weightsOf(resumed.model)).toEqual(weightsOf(full.model));
  });
});

describe('TensorboardLoggerHook', () => {
  it('writes an event file with the train scalars and the learning rate', async () => {
    const t = makeToyRunner({ maxEpochs: 1, datasetSize: 16, batchSize: 4 });
    registerTrainingHooks(t.runner, { lr_config: { policy: 'fixed' }, log_config: { interval: 2, hooks: [{ type: 'TensorboardLoggerHook' }] } });
    await t.runner.run([t.loader], [['train', 1]]);
    const dir = path.join(t.workDir, 'tf_logs');
    const files = fs.readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^events\.out\.tfevents\./);
    const bytes = fs.readFileSync(path.join(dir, files[0])).toString('latin1');
    expect(bytes).toContain('brain.Event:2');
    for (const tag of ['train/loss', 'train/acc', 'learning_rate']) expect(bytes).toContain(tag);
    expect(bytes.split('train/loss').length - 1).toBe(2); // iters 2 and 4
  });
});
