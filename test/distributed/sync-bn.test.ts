/**
 * SyncBatchNorm: 2 ranks x batch B give what one process gives with batch 2B
 * (outputs, input and parameter gradients, running statistics); in one
 * process it is BatchNorm2d; conversion and registry names.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/backend/backend';
import { tf } from '../../src/tf';
import { BatchNorm2d } from '../../src/nn/layers/norm';
import { SyncBatchNorm, convertSyncBatchnorm } from '../../src/models/sync-batchnorm';
import { Sequential } from '../../src/nn/layers/container';
import { MODELS } from '../../src/registry/root';
import { B, C, bnState, bnStep, input, readout, setWeight } from './workers/sync-bn-data';
import { ENGINES, MPIRUN_FLAGS, expectOk, engineUsable, launchOn, tmpDir } from './helpers';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { makeDemoData } from '../../src/data/demo-data';
import { readCheckpoint } from '../../src/checkpoint/load';
import { toFloat32 } from '../../src/checkpoint/tensor-data';
import '../../src';
import { loadRunConfig } from '../../src/runner/api/cli';
import { trainModel } from '../../src/runner/api/train';
import { Logger } from '../../src/runner/logger';
import { toyToolConfig } from '../harness/tool-config';

const ROOT = path.resolve(__dirname, '../..');

beforeAll(() => initBackend('cpu'));

/** The worker's procedure with plain BatchNorm2d on the whole batch 2B. */
function reference(bn: BatchNorm2d) {
  setWeight(bn);
  const r = readout();
  const steps: Array<Record<string, number[]>> = [];
  for (let s = 0; s < 2; s++) {
    const { y, dx, dWeight, dBias } = bnStep(bn, input(0, 2 * B, s), r);
    steps.push({ y, dx, dWeight: Array.from(dWeight.dataSync()), dBias: Array.from(dBias.dataSync()) });
    tf.dispose([dWeight, dBias]);
  }
  r.dispose();
  return { steps, state: bnState(bn) };
}

function expectClose(got: number[], want: number[], what: string, tol = 1e-5): void {
  expect(got).toHaveLength(want.length);
  let maxDiff = 0;
  for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
  if (!(maxDiff < tol)) throw new Error(`${what}: max difference ${maxDiff} (got ${got.slice(0, 4)}..., want ${want.slice(0, 4)}...)`);
}

it.each(ENGINES)('on %s, 2 ranks x batch B equal 1 rank x batch 2B: output, gradients and running stats (1e-5)', async (engine) => {
  if (!engineUsable(engine)) return;
  const ref = reference(new BatchNorm2d({ numFeatures: C }));
  const dir = tmpDir('syncbn');
  const res = await launchOn(engine, 'sync-bn.ts', [dir], 2);
  expectOk(res);
  const per = (B * ref.steps[0].y.length) / (2 * B);
  for (const rank of [0, 1]) {
    const got = JSON.parse(fs.readFileSync(path.join(dir, `rank${rank}.json`), 'utf8'));
    for (let s = 0; s < 2; s++) {
      const want = ref.steps[s];
      const slice = (a: number[]) => a.slice(rank * per, (rank + 1) * per);
      expectClose(got.steps[s].y, slice(want.y), `rank ${rank} step ${s} output`);
      // each rank's loss is a mean over B, the reference's over 2B: DDP averages the factor 2 away
      expectClose(got.steps[s].dx.map((v: number) => v / 2), slice(want.dx), `rank ${rank} step ${s} input gradient`);
      expectClose(got.steps[s].dWeight, want.dWeight, `rank ${rank} step ${s} weight gradient`);
      expectClose(got.steps[s].dBias, want.dBias, `rank ${rank} step ${s} bias gradient`);
    }
    expectClose(got.state.runningMean, ref.state.runningMean, `rank ${rank} running_mean`);
    expectClose(got.state.runningVar, ref.state.runningVar, `rank ${rank} running_var`);
    expect(got.state.tracked).toBe(ref.state.tracked);
  }
  // per-rank BN would differ: the test can tell the two apart
  const plain = new BatchNorm2d({ numFeatures: C });
  const half = tf.tidy(() => Array.from(plain.forward(input(0, B, 0)).dataSync()));
  expect(Math.max(...half.map((v, i) => Math.abs(v - ref.steps[0].y[i])))).toBeGreaterThan(1e-3);
}, 60_000);

it('in one process SyncBatchNorm is BatchNorm2d, with the same state_dict keys', () => {
  const a = reference(new BatchNorm2d({ numFeatures: C }));
  const b = reference(new SyncBatchNorm({ num_features: C, eps: 1e-5, momentum: 0.1 }));
  expect(b).toEqual(a);
  const keys = (m: BatchNorm2d) => m.namedParameters().map(([k]) => k).concat(m.namedBuffers().map(([k]) => k));
  expect(keys(new SyncBatchNorm({ num_features: C }))).toEqual(keys(new BatchNorm2d({ numFeatures: C })));
  expect(keys(new SyncBatchNorm({ num_features: C }))).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
});

it('convertSyncBatchnorm converts every BatchNorm2d in place; SyncBN / SyncBatchNorm build from the registry', () => {
  const bn1 = new BatchNorm2d({ numFeatures: 4 });
  const model = new Sequential({ layers: [bn1, new Sequential({ layers: [new BatchNorm2d({ numFeatures: 2 })] })] });
  expect(convertSyncBatchnorm(model)).toBe(2);
  expect(bn1).toBeInstanceOf(SyncBatchNorm);
  expect(model.namedModules().filter(([, m]) => m instanceof SyncBatchNorm)).toHaveLength(2);
  expect(convertSyncBatchnorm(model)).toBe(0);
  for (const type of ['SyncBN', 'SyncBatchNorm']) {
    const m = MODELS.build({ type, num_features: 5 }) as SyncBatchNorm;
    expect(m).toBeInstanceOf(SyncBatchNorm);
    expect(m.numFeatures).toBe(5);
  }
});

it.each(ENGINES)('tools/train.ts on %s with sync_bn: true: 2 ranks x 7 end with the checkpoint of 1 rank x 14 (1e-6)', async (engine) => {
  if (!engineUsable(engine)) return;
  const dir = tmpDir('syncbn-train');
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  await makeDemoData(path.join(dir, 'data'), { train: 28, test: 15, size: 16 });
  const cfg = {
    ...toyToolConfig(path.join(dir, 'data')),
    custom_imports: { imports: [path.join(__dirname, 'workers/bn-plugin.ts')] },
    model: { type: 'ToyBnClassifier' },
    sync_bn: true,
    optimizer: { type: 'SGD', lr: 0.5 },
    optimizer_config: {},
    lr_config: { policy: 'fixed' },
    runner: { type: 'EpochBasedRunner', max_epochs: 2 },
    checkpoint_config: { interval: 2 },
    log_config: { interval: 1, hooks: [{ type: 'TextLoggerHook' }] },
    workflow: [['train', 1]],
  };
  const cfgFile = path.join(dir, 'bn.json');
  fs.writeFileSync(cfgFile, JSON.stringify(cfg));
  const logger = new Logger({ level: 'WARNING' });
  await trainModel(loadRunConfig(cfgFile, ['data.samples_per_gpu=14'], logger), { workDir: path.join(dir, 'wd1'), seed: 5, deterministic: true, validate: false, logger, progress: false });
  const args = [path.join(ROOT, 'tools/train.ts'), cfgFile, '--work-dir', 'wd2', '--seed', '5', '--deterministic', '--backend', 'cpu', '--no-validate'];
  const node = [process.execPath, '--import', 'tsx', ...args];
  // Gloo under our launcher; MPI under mpirun, picked by --launcher mpi as the config names no engine
  const [cmd, ...argv] = engine === 'gloo' ? [...node, '--launcher', 'multi-gpu', '--gpus', '2'] : ['mpirun', ...MPIRUN_FLAGS, '-n', '2', ...node, '--launcher', 'mpi'];
  const { stdout, stderr } = await promisify(execFile)(cmd, argv, { cwd: dir, maxBuffer: 1 << 26, env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules') } });
  expect(stdout + stderr).toMatch(/sync_bn: 1 BatchNorm2d layer\(s\) now SyncBatchNorm/);
  expect(stdout + stderr).toMatch(new RegExp(`Distributed training: true \\(world size 2, engine ${engine} `));
  expect(String(readCheckpoint(path.join(dir, 'wd2', 'epoch_2.safetensors')).meta.dist_engine)).toMatch(new RegExp(`^${engine} `));
  const weights = (wd: string) => Object.fromEntries([...readCheckpoint(path.join(dir, wd, 'epoch_2.safetensors')).stateDict].map(([k, v]) => [k, Array.from(toFloat32(v))]));
  const [a, b] = [weights('wd1'), weights('wd2')];
  expect(Object.keys(b)).toEqual(['w', 'bn.weight', 'bn.bias', 'bn.running_mean', 'bn.running_var', 'bn.num_batches_tracked']);
  for (const k of Object.keys(a)) expectClose(b[k], a[k], `checkpoint ${k}`, 1e-6);
}, 120_000);
