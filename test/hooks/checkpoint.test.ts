import '../../src/hooks';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/backend/backend';
import { CheckpointHook } from '../../src/hooks/checkpoint';
import { readCheckpoint } from '../../src/checkpoint/load';
import { readLatest } from '../../src/runner/checkpoint-io';
import { makeToyRunner, tmpWorkDir } from '../harness/toy';

beforeAll(async () => {
  await initBackend('cpu');
});

const ckpts = (dir: string) => fs.readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();

async function train(ckptCfg: Record<string, unknown>, maxEpochs = 5, extra: { meta?: Record<string, unknown> } = {}) {
  const t = makeToyRunner({ maxEpochs, datasetSize: 8, meta: extra.meta });
  t.runner.registerHookFromCfg({ type: 'OptimizerHook' });
  t.runner.registerHookFromCfg({ type: 'CheckpointHook', ...ckptCfg });
  await t.runner.run([t.loader], [['train', 1]]);
  return t;
}

describe('CheckpointHook', () => {
  it('saves every interval plus the last epoch and points latest at the newest', async () => {
    const { workDir, runner } = await train({ interval: 2 });
    expect(ckpts(workDir)).toEqual(['epoch_2.safetensors', 'epoch_4.safetensors', 'epoch_5.safetensors']);
    expect(readLatest(workDir)).toBe(path.join(workDir, 'epoch_5.safetensors'));
    expect(runner.hookMsgs.last_ckpt).toBe(path.join(workDir, 'epoch_5.safetensors'));
    // No temp files left behind by the atomic writes.
    expect(fs.readdirSync(workDir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('save_last: false saves only interval epochs', async () => {
    const { workDir } = await train({ interval: 2, save_last: false });
    expect(ckpts(workDir)).toEqual(['epoch_2.safetensors', 'epoch_4.safetensors']);
  });

  it('max_keep_ckpts deletes older interval checkpoints', async () => {
    const { workDir } = await train({ interval: 1, max_keep_ckpts: 2 });
    expect(ckpts(workDir)).toEqual(['epoch_4.safetensors', 'epoch_5.safetensors']);
  });

  it('interval -1 with save_last keeps only the final checkpoint', async () => {
    const { workDir } = await train({});
    expect(ckpts(workDir)).toEqual(['epoch_5.safetensors']);
  });

  it('stores meta (epoch, iter, CLASSES, config, hook states, rng) and optionally the optimizer', async () => {
    const { workDir } = await train({ interval: 5, meta: { note: 'x' } }, 5, { meta: { config: 'cfg text', seed: 3 } });
    const c = readCheckpoint(path.join(workDir, 'epoch_5.safetensors'));
    expect(c.meta.epoch).toBe(5);
    expect(c.meta.iter).toBe(10);
    expect(c.meta.CLASSES).toEqual(['c0', 'c1', 'c2']);
    expect(c.meta.config).toBe('cfg text');
    expect(c.meta.seed).toBe(3);
    expect(c.meta.note).toBe('x');
    expect(Array.isArray(c.meta.rng_state)).toBe(true);
    expect(c.meta.sampler).toEqual({ epoch: 5, iter: 10 });
    expect(c.optimizer).toBeDefined();
    expect([...c.stateDict.keys()]).toEqual(['fc.weight', 'fc.bias']);
    const { workDir: wd2 } = await train({ interval: 5, save_optimizer: false });
    expect(readCheckpoint(path.join(wd2, 'epoch_5.safetensors')).optimizer).toBeUndefined();
  });

  it('by iteration, and out_dir gets the work dir basename', async () => {
    const out = tmpWorkDir('out');
    const t = makeToyRunner({ maxEpochs: 2, datasetSize: 8 });
    t.runner.registerHookFromCfg({ type: 'OptimizerHook' });
    t.runner.registerHookFromCfg({ type: 'CheckpointHook', interval: 3, by_epoch: false, out_dir: out });
    await t.runner.run([t.loader], [['train', 1]]);
    const dir = path.join(out, path.basename(t.workDir));
    expect(ckpts(dir)).toEqual(['iter_3.safetensors', 'iter_4.safetensors']);
  });

  it('rejects a filename template without {}', () => {
    expect(() => new CheckpointHook({ filename_tmpl: 'ckpt.safetensors' })).toThrow(/filename_tmpl must contain/);
  });
});
