/**
 * Through the real runner and tools: `tools/train.ts --launcher multi-gpu
 * --gpus 2` with samples_per_gpu b ends with the weights of one process with
 * 2b; `tools/test.ts --launcher multi-gpu --gpus 2` on a test set whose size
 * is not divisible by 2 gives exactly the single-process scores and metrics.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { makeDemoData } from '../../src/data/demo-data';
import { readCheckpoint } from '../../src/checkpoint/load';
import { toFloat32 } from '../../src/checkpoint/tensor-data';
import '../../src';
import { initBackend } from '../../src/backend/backend';
import { loadRunConfig } from '../../src/runner/api/cli';
import { trainModel } from '../../src/runner/api/train';
import { testModel } from '../../src/runner/api/test';
import { Logger } from '../../src/runner/logger';
import { tmpDir } from './helpers';
import { toyToolConfig } from '../harness/tool-config';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
let dir: string;
let cfgFile: string;
let failCfgFile: string;

const tool = (name: string, args: string[]) =>
  run(process.execPath, ['--import', 'tsx', path.join(ROOT, 'tools', `${name}.ts`), ...args], { cwd: dir, maxBuffer: 1 << 26, env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') } });

beforeAll(async () => {
  dir = tmpDir('runner');
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  const data = path.join(dir, 'data');
  await makeDemoData(data, { train: 28, test: 15, size: 16 });
  const cfg = {
    ...toyToolConfig(data),
    optimizer: { type: 'SGD', lr: 0.2, momentum: 0.9, weight_decay: 0.0005 },
    optimizer_config: { grad_clip: { max_norm: 10 } },
    lr_config: { policy: 'fixed' },
    runner: { type: 'EpochBasedRunner', max_epochs: 2 },
    checkpoint_config: { interval: 2 },
    log_config: { interval: 1, hooks: [{ type: 'TextLoggerHook' }] },
    workflow: [['train', 1]],
  };
  cfgFile = path.join(dir, 'tiny.json');
  fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 1));
  // Rank 1 throws at iteration 3 (epoch 2), after epoch_1 was saved.
  const failCfg = {
    ...cfg,
    custom_imports: { imports: [path.join(ROOT, 'test/harness/toy-plugin.ts'), path.join(__dirname, 'workers/fail-hook-plugin.ts')] },
    custom_hooks: [{ type: 'FailOnRankHook', rank: 1, iter: 3 }],
    checkpoint_config: { interval: 1 },
  };
  failCfgFile = path.join(dir, 'fail.json');
  fs.writeFileSync(failCfgFile, JSON.stringify(failCfg, null, 1));
});

const weights = (file: string) => {
  const c = readCheckpoint(file);
  return Object.fromEntries([...c.stateDict].map(([k, v]) => [k, Array.from(toFloat32(v))]));
};

it('train: 2 ranks x 7 == 1 rank x 14 (same weights after 4 SGD steps); only rank 0 writes', async () => {
  const common = ['--seed', '5', '--deterministic', '--backend', 'cpu', '--no-validate'];
  // Reference in this process (what tools/train.ts runs): one rank, batch 14.
  await initBackend('cpu');
  const logger = new Logger({ level: 'WARNING' });
  const config = loadRunConfig(cfgFile, ['data.samples_per_gpu=14'], logger);
  await trainModel(config, { workDir: path.join(dir, 'wd1'), seed: 5, deterministic: true, validate: false, logger, progress: false });
  const { stdout, stderr } = await tool('train', [cfgFile, '--work-dir', 'wd2', '--launcher', 'multi-gpu', '--gpus', '2', ...common]);
  const log = stdout + stderr;
  expect(log).toMatch(/Batch size: 7 per GPU \(samples_per_gpu\) x 2 processes = 14 effective/);
  expect(log).not.toMatch(/\[rank 1\]/); // rank 1 logs nothing
  const w1 = weights(path.join(dir, 'wd1', 'epoch_2.safetensors'));
  const w2 = weights(path.join(dir, 'wd2', 'epoch_2.safetensors'));
  const init = new Map<string, number>();
  for (const [k, a] of Object.entries(w1)) {
    const b = w2[k];
    expect(b).toHaveLength(a.length);
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - b[i]));
    init.set(k, maxDiff);
    expect(maxDiff).toBeLessThan(1e-5);
  }
  expect(fs.readdirSync(path.join(dir, 'wd2')).filter((f) => f.endsWith('.log'))).toHaveLength(1);
});

it('test: 2 ranks on 15 samples give exactly the single-process scores and metrics', async () => {
  const ckpt = path.join(dir, 'wd1', 'epoch_2.safetensors');
  const common = [cfgFile, ckpt, '--metrics', 'accuracy', '--backend', 'cpu'];
  const { stdout } = await tool('test', [...common, '--out', 'dist.json', '--launcher', 'multi-gpu', '--gpus', '2']);
  expect(stdout).toMatch(/accuracy_top-1 : /);
  const dist = JSON.parse(fs.readFileSync(path.join(dir, 'dist.json'), 'utf8'));
  // Reference in this process (what tools/test.ts runs for one rank).
  const logger = new Logger({ level: 'WARNING' });
  const single = await testModel(loadRunConfig(cfgFile, undefined, logger), ckpt, { metrics: ['accuracy'], logger });
  expect(single.classScores).toHaveLength(15);
  expect(dist.class_scores).toEqual(single.classScores.map((s) => Array.from(s)));
  expect(dist.pred_label).toEqual(single.predLabel);
  for (const [k, v] of Object.entries(single.metrics)) expect(dist[k]).toEqual(v);
});

it('train: a rank that throws mid-run stops the job with its error; the last checkpoint stays intact', async () => {
  const args = [failCfgFile, '--work-dir', 'wd_fail', '--seed', '5', '--backend', 'cpu', '--no-validate', '--launcher', 'multi-gpu', '--gpus', '2'];
  const err = await tool('train', args).then(
    () => null,
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
  expect(err).not.toBeNull();
  expect(err!.code).not.toBe(0);
  const out = err!.stdout + err!.stderr;
  // one message per error, no stack (tools print stacks only with --debug)
  expect(out).toMatch(/\[rank 1\] .*ERROR - injected failure on rank 1 at iter 3/);
  // rank 0's collective fails as rank 1 leaves; rank 0 is not blamed
  expect(out).toMatch(/rank 0: collective #\d+ allReduce\('grads'\) on gloo failed, another rank is gone/);
  expect(out).not.toMatch(/\n\s+at /);
  expect(out).toMatch(/\[launcher\] job failed: rank 1 exited with code 1/);
  const wd = path.join(dir, 'wd_fail');
  expect(fs.readFileSync(path.join(wd, 'latest'), 'utf8').trim()).toBe('epoch_1.safetensors');
  expect(fs.existsSync(path.join(wd, 'epoch_2.safetensors'))).toBe(false);
  expect(readCheckpoint(path.join(wd, 'epoch_1.safetensors')).meta).toMatchObject({ epoch: 1 });
});
