/**
 * Real launchers: `srun -n 2 --mpi=pmix ... --launcher slurm` and `mpirun -n 2 ...
 * --launcher mpi` train the toy config to the weights of `--launcher
 * multi-gpu --gpus 2`; two "hosts" (network namespaces joined by a veth
 * pair, one rank in each, `--nnodes 2 --node-rank i`) do too, on Gloo;
 * cutting that link mid-run stops every rank within the collective deadline
 * plus the abort grace. mpirun and srun --mpi=pmix run on MPI. Skipped loudly when
 * slurm / mpirun / namespaces are unusable (failed under FER_MM_REQUIRE_CLUSTER=1).
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeDemoData } from '../../src/data/demo-data';
import { toyTrainConfig } from '../harness/tool-config';
import { readCheckpoint } from '../../src/checkpoint/load';
import { toFloat32 } from '../../src/checkpoint/tensor-data';
import { freePort } from '../../src/distributed/launcher';
import { ENGINES, MPIRUN_FLAGS, engineUsable, tmpDir } from './helpers';
import { NetnsPair, missingTools, netnsUnavailable, startSlurm, usable } from './cluster-tools';

const ROOT = path.resolve(__dirname, '../..');
const TRAIN = path.join(ROOT, 'tools/train.ts');
const COMMON = ['--seed', '5', '--deterministic', '--backend', 'cpu', '--no-validate'];
let dir: string;
let cfgFile: string;

interface Run {
  code: number | null;
  output: string;
  endedAt: number;
}

/** Runs a command in the test dir; `onLine` sees each output line as it comes. */
function run(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000, onLine?: (l: string) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: dir, env: { ...process.env, NODE_PATH: path.join(ROOT, 'node_modules'), ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const take = (d: Buffer) => {
      const s = d.toString();
      output += s;
      if (onLine) for (const l of s.split('\n')) onLine(l);
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    const t = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(t);
      resolve({ code, output, endedAt: Date.now() });
    });
  });
}

const node = (args: string[]) => [process.execPath, '--import', 'tsx', TRAIN, cfgFile, ...args];

function weights(workDir: string): Record<string, number[]> {
  const c = readCheckpoint(path.join(dir, workDir, 'epoch_1.safetensors'));
  return Object.fromEntries([...c.stateDict].map(([k, v]) => [k, Array.from(toFloat32(v))]));
}

function expectSameWeights(workDir: string, run: Run): void {
  if (run.code !== 0) throw new Error(`${workDir}: exit code ${run.code}\n${run.output.slice(-3000)}`);
  const ref = weights('wd_ref');
  const got = weights(workDir);
  expect(Object.keys(got)).toEqual(Object.keys(ref));
  for (const [k, a] of Object.entries(ref)) {
    let maxDiff = 0;
    for (let i = 0; i < a.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a[i] - got[k][i]));
    if (!(maxDiff <= 1e-6)) throw new Error(`${workDir}: ${k} differs from --launcher multi-gpu by ${maxDiff}`);
  }
}

const slurmProblem = missingTools(['srun']) ?? startSlurm();
const mpiProblem = missingTools(['mpirun']);
const netnsProblem = netnsUnavailable();

beforeAll(async () => {
  dir = tmpDir('cluster');
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  await makeDemoData(path.join(dir, 'data'), { train: 28, test: 15, size: 16 });
  const cfg = toyTrainConfig(path.join(dir, 'data'), { type: 'SGD', lr: 0.2, momentum: 0.9 });
  cfgFile = path.join(dir, 'tiny.json');
  fs.writeFileSync(cfgFile, JSON.stringify(cfg));
  const ref = await run(node([])[0], [...node(['--work-dir', 'wd_ref', '--launcher', 'multi-gpu', '--gpus', '2', ...COMMON]).slice(1)]);
  if (ref.code !== 0) throw new Error(`reference run failed:\n${ref.output}`);
}, 120_000);

it('srun -n 2 --mpi=pmix ... --launcher slurm trains on MPI with the weights of --launcher multi-gpu --gpus 2', async () => {
  if (!usable('slurm launch test', slurmProblem) || !engineUsable('mpi')) return;
  const res = await run('srun', ['-n', '2', '--mpi=pmix', '--kill-on-bad-exit=1', ...node(['--work-dir', 'wd_slurm', '--launcher', 'slurm', ...COMMON])]);
  expectSameWeights('wd_slurm', res);
  expect(res.output).toMatch(/x 2 processes = 14 effective/);
  expect(res.output).toMatch(/world size 2, engine mpi /); // picked because PMIx started the ranks
}, 120_000);

it('tools/slurm_train.sh PARTITION JOB_NAME CONFIG WORK_DIR gives the same weights', async () => {
  if (!usable('slurm_train.sh test', slurmProblem)) return;
  const env = { GPUS: '2', GPUS_PER_NODE: '2', CPUS_PER_TASK: '1', GRES: '', MASTER_PORT: String(await freePort()) };
  const res = await run(path.join(ROOT, 'tools/slurm_train.sh'), ['debug', 'fermm-test', cfgFile, 'wd_slurm_sh', ...COMMON], env);
  expectSameWeights('wd_slurm_sh', res);
}, 120_000);

it.each(ENGINES)('mpirun -n 2 ... --launcher mpi on %s gives the weights of --launcher multi-gpu --gpus 2', async (engine) => {
  if (!usable('mpirun launch test', mpiProblem) || !engineUsable(engine)) return;
  const port = String(await freePort());
  // MPI: the default under --launcher mpi, no rendezvous address; Gloo: asked for, MASTER_ADDR passed on
  const gloo = engine === 'gloo' ? ['-x', 'MASTER_ADDR=127.0.0.1', '-x', `MASTER_PORT=${port}`] : [];
  const cfgOpts = engine === 'gloo' ? ['--cfg-options', 'dist_params.backend=gloo'] : [];
  const res = await run('mpirun', [...MPIRUN_FLAGS, '-n', '2', ...gloo, '-x', 'NODE_PATH', ...node(['--work-dir', `wd_mpi_${engine}`, '--launcher', 'mpi', ...COMMON, ...cfgOpts])]);
  expectSameWeights(`wd_mpi_${engine}`, res);
  expect(res.output).toMatch(/x 2 processes = 14 effective/);
  expect(res.output).toMatch(new RegExp(`world size 2, engine ${engine} `));
}, 120_000);

/** One rank per namespace through `--launcher multi-gpu --gpus 1 --nnodes 2 --node-rank i`. */
function twoHosts(net: NetnsPair, workDir: string, extra: string[], env: Record<string, string>, onLine?: (node: number, l: string) => void): Promise<Run[]> {
  return Promise.all(
    [0, 1].map((i) =>
      run(
        'ip',
        ['netns', 'exec', net.ns[i], ...node(['--work-dir', `${workDir}${i}`, '--launcher', 'multi-gpu', '--gpus', '1', '--nnodes', '2', '--node-rank', String(i), ...COMMON, ...extra])],
        { MASTER_ADDR: net.addr[0], MASTER_PORT: '29500', NODE_ADDR: net.addr[i], ...env },
        120_000,
        onLine && ((l) => onLine(i, l)),
      ),
    ),
  );
}

describe('two hosts over a veth link (network namespaces)', () => {
  const net = new NetnsPair(process.pid);
  let ok = false;
  beforeAll(() => {
    ok = usable('two-host (network namespace) tests', netnsProblem);
    if (ok) net.create();
  });
  afterAll(() => net.remove());

  it('one rank per host gives the weights of one host', async () => {
    if (!ok) return;
    const [r0, r1] = await twoHosts(net, 'wd_net', [], {});
    if (r1.code !== 0) throw new Error(`node 1 failed:\n${r1.output}`);
    expectSameWeights('wd_net0', r0);
    expect(fs.existsSync(path.join(dir, 'wd_net1'))).toBe(false); // only rank 0 writes
  }, 120_000);

  it('cutting the link mid-run stops every rank within the collective deadline', async () => {
    if (!ok) return;
    const TIMEOUT_S = 3;
    let cutAt = 0;
    const runs = twoHosts(net, 'wd_cut', ['--cfg-options', 'runner.max_epochs=500', 'checkpoint_config.interval=1000', `dist_params.timeout_s=${TIMEOUT_S}`], {}, (i, l) => {
      if (i === 0 && !cutAt && /Epoch \[3\]/.test(l)) {
        cutAt = Date.now();
        net.cut();
      }
    });
    const [r0, r1] = await runs;
    expect(cutAt).toBeGreaterThan(0);
    for (const r of [r0, r1]) {
      expect(r.code).not.toBe(0);
      // documented bound: the deadline, then the launcher's 3 s abort grace
      expect((r.endedAt - cutAt) / 1000).toBeLessThan(TIMEOUT_S + 8);
      expect(r.output).toMatch(new RegExp(`collective #\\d+ \\w+(\\('[\\w ]+'\\))? on gloo timed out after ${TIMEOUT_S}\\.0 s`));
    }
    expect(r0.output).toMatch(/\[launcher\] job failed: rank 0 /);
    expect(r1.output).toMatch(/\[launcher\] job failed: rank 1 /);
    expect(r0.output).not.toMatch(/Epoch \[500\]/);
  }, 120_000);
});
