import '../../src/hooks';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/backend/backend';
import { registerTrainingHooks, type TrainingHooksConfig } from '../../src/runner/default-hooks';
import { readLatest } from '../../src/runner/checkpoint-io';
import type { EpochBasedRunner } from '../../src/runner/epoch-based-runner';
import type { IterBasedRunner } from '../../src/runner/iter-based-runner';
import { makeToyRunner, tmpWorkDir, weightsOf } from '../harness/toy';

beforeAll(async () => {
  await initBackend('cpu');
});

const hooks = (byEpoch = true): TrainingHooksConfig => ({
  lr_config: { policy: 'CosineAnnealing', min_lr: 0, warmup: 'linear', warmup_iters: 3, warmup_ratio: 0.1 },
  optimizer_config: { grad_clip: { max_norm: 1 } },
  checkpoint_config: { interval: 1, by_epoch: byEpoch },
  log_config: { interval: 2, hooks: [{ type: 'TextLoggerHook' }] },
});

async function runEpochs(workDir: string, opts: { stopAfter?: number; resumeFrom?: string; modelSeed?: number } = {}) {
  const t = makeToyRunner({ workDir, maxEpochs: 4, modelSeed: opts.modelSeed ?? 1, seed: 5 });
  registerTrainingHooks(t.runner, hooks());
  if (opts.stopAfter) (t.runner as EpochBasedRunner).stopAfterEpochs = opts.stopAfter;
  if (opts.resumeFrom) await t.runner.resume(opts.resumeFrom);
  await t.runner.run([t.loader], [['train', 1]]);
  return t;
}

describe('exact resume (cpu, deterministic)', () => {
  it('a run killed after epoch 2 and resumed ends with the same weights as an uninterrupted run', async () => {
    const full = await runEpochs(tmpWorkDir('full'));
    const wd = tmpWorkDir('killed');
    const killed = await runEpochs(wd, { stopAfter: 2 });
    expect(killed.runner.epoch).toBe(2);
    expect(readLatest(wd)).toBe(path.join(wd, 'epoch_2.safetensors'));
    // Fresh process state: a different init that the checkpoint must overwrite.
    const resumed = await runEpochs(wd, { resumeFrom: path.join(wd, 'latest'), modelSeed: 99 });
    expect(resumed.runner.epoch).toBe(4);
    expect(resumed.runner.iter).toBe(full.runner.iter);
    expect(weightsOf(resumed.model)).toEqual(weightsOf(full.model));
    expect(resumed.optimizer.getLr()).toEqual(full.optimizer.getLr());
    expect(resumed.logger.lines.join('\n')).toMatch(/resumed epoch 2, iter 12; restored: weights, epoch 2, iter 12, optimizer, LrUpdaterHook, rng/);
    // The resumed run skipped epochs 1-2 and shuffled epochs 2 and 3 like the full run.
    expect(resumed.loader.epochsSeen).toEqual([2, 3]);
  });

  it('also for an iter-based run killed mid-epoch', async () => {
    const run = async (workDir: string, stop?: number, resumeFrom?: string, modelSeed = 1) => {
      const t = makeToyRunner({ workDir, iterBased: true, maxIters: 15, modelSeed, batchSize: 4, datasetSize: 24 });
      registerTrainingHooks(t.runner, { ...hooks(false), checkpoint_config: { interval: 4 } }, { byEpoch: false });
      if (stop) (t.runner as IterBasedRunner).stopAfterIters = stop;
      if (resumeFrom) await t.runner.resume(resumeFrom);
      await t.runner.run([t.loader], [['train', 1]]);
      return t;
    };
    const full = await run(tmpWorkDir('ifull'));
    const wd = tmpWorkDir('ikilled');
    await run(wd, 8);
    expect(fs.existsSync(path.join(wd, 'iter_8.safetensors'))).toBe(true);
    const resumed = await run(wd, undefined, path.join(wd, 'iter_8.safetensors'), 42);
    expect(resumed.runner.iter).toBe(15);
    expect(weightsOf(resumed.model)).toEqual(weightsOf(full.model));
  });

  it('load_from loads weights only; resume_from restores progress and optimizer', async () => {
    const wd = tmpWorkDir('src');
    const src = await runEpochs(wd, { stopAfter: 1 });
    const ckpt = path.join(wd, 'epoch_1.safetensors');

    const loaded = makeToyRunner({ workDir: tmpWorkDir('load'), maxEpochs: 4, modelSeed: 3 });
    registerTrainingHooks(loaded.runner, hooks());
    await loaded.runner.loadCheckpoint(ckpt);
    expect(weightsOf(loaded.model)).toEqual(weightsOf(src.model));
    expect(loaded.runner.epoch).toBe(0);
    expect(loaded.runner.iter).toBe(0);
    expect(loaded.optimizer.stateDict().state).toEqual({});

    const resumed = makeToyRunner({ workDir: tmpWorkDir('res'), maxEpochs: 4, modelSeed: 3 });
    registerTrainingHooks(resumed.runner, hooks());
    await resumed.runner.resume(ckpt);
    expect(resumed.runner.epoch).toBe(1);
    expect(resumed.runner.iter).toBe(6);
    const st = resumed.optimizer.stateDict().state;
    expect(Object.keys(st).sort()).toEqual(['fc.bias', 'fc.weight']);
    expect(Array.from(st['fc.weight'].momentum_buffer as Float32Array)).toEqual(
      Array.from(src.optimizer.stateDict().state['fc.weight'].momentum_buffer as Float32Array),
    );
  });

  it('refuses to resume from a weights-only file with a clear message', async () => {
    const wd = tmpWorkDir('wo');
    const t = makeToyRunner({ workDir: wd });
    const { saveCheckpoint } = await import('../../src/checkpoint/load');
    const f = saveCheckpoint(path.join(wd, 'weights.safetensors'), { stateDict: t.model.stateDict() });
    await expect(t.runner.resume(f)).rejects.toThrow(/no epoch\/iter.*load_from/);
  });
});
