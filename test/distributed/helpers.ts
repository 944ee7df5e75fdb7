/** Shared bits of the dist tests: run worker scripts under tsx, capture output, check pids. */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { launchWorkers, LaunchResult, tsxExecArgv } from '../../src/distributed/launcher';
import { missingTools } from './cluster-tools';

export const WORKERS = path.join(__dirname, 'workers');

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `fermm-dist-${tag}-`));
}

/** Runs `script` on `n` ranks through the in-process launcher; returns result + captured stderr/stdout. */
export async function launch(
  script: string,
  args: string[],
  n: number,
  env: Record<string, string> = {},
): Promise<LaunchResult & { stderr: string; stdout: string; ms: number }> {
  const err = new PassThrough();
  const out = new PassThrough();
  let stderr = '';
  let stdout = '';
  err.on('data', (d) => (stderr += d));
  out.on('data', (d) => (stdout += d));
  const t0 = Date.now();
  const res = await launchWorkers({ script: path.join(WORKERS, script), args, nprocPerNode: n, env, stderr: err, stdout: out, abortGraceMs: 1500, killGraceMs: 2000 });
  return { ...res, stderr, stdout, ms: Date.now() - t0 };
}

/** Runs a .ts script as a separate node process (stdout+stderr captured). */
export function runTs(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  onSpawn?: (pid: number) => void,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string; ms: number }> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [...tsxExecArgv(), script, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    if (child.pid && onSpawn) onSpawn(child.pid);
    child.on('close', (code, signal) => resolve({ code, signal, output, ms: Date.now() - t0 }));
  });
}

/** True while `pid` runs; an exited child its parent has not reaped yet (a zombie) is not alive. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) STATE ..."
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true;
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A launch that must succeed: fails with the ranks' stderr (not just the exit code). */
export function expectOk(res: { exitCode: number; stderr: string }): void {
  if (res.exitCode !== 0) throw new Error(`launch failed with exit code ${res.exitCode}:\n${res.stderr}`);
  expect(res.stderr).not.toMatch(/error|warn/i);
}

/** The engines every multi-process behaviour is tested on. */
export const ENGINES = ['gloo', 'mpi'] as const;
export type Engine = (typeof ENGINES)[number];

/**
 * Whether `engine`'s addon is built here: a loud skip when not, or a failure
 * under FER_MM_REQUIRE_ENGINES=1 (CI builds both).
 */
export function engineUsable(engine: Engine): boolean {
  let reason: string;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const av = (require('@fer-mm/collectives') as typeof import('@fer-mm/collectives')).engineAvailability()[engine];
    const noMpirun = engine === 'mpi' ? missingTools(['mpirun']) : null;
    if (av.ok && !noMpirun) return true;
    reason = av.ok ? `${noMpirun}` : `${av.reason}; ${av.install}`;
  } catch (e) {
    reason = `@fer-mm/collectives does not load: ${(e as Error).message.split('\n')[0]}`;
  }
  if (process.env.FER_MM_REQUIRE_ENGINES === '1') throw new Error(`the ${engine} engine is required (FER_MM_REQUIRE_ENGINES=1) but unusable: ${reason}`);
  console.warn(`*** SKIPPED ${engine} tests: ${reason} (set FER_MM_REQUIRE_ENGINES=1 to make this a failure) ***`);
  return false;
}

/** `mpirun -n N` flags for one machine: root allowed, more ranks than cores allowed, no network probing. */
export const MPIRUN_FLAGS = ['--allow-run-as-root', '--oversubscribe', '--bind-to', 'none', '--mca', 'btl', 'self,vader,tcp'];

/**
 * Runs `script` on `n` ranks on `engine`: Gloo through the in-process
 * launcher (`--launcher pytorch` ranks), MPI through `mpirun -n N`
 * (`--launcher mpi` ranks). Workers read `--launcher` from their argv.
 */
export async function launchOn(
  engine: Engine,
  script: string,
  args: string[],
  n: number,
  env: Record<string, string> = {},
): Promise<{ exitCode: number; stderr: string; stdout: string; ms: number; failedRank?: number }> {
  if (engine === 'gloo') return launch(script, args, n, env);
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn('mpirun', [...MPIRUN_FLAGS, '-n', String(n), process.execPath, ...tsxExecArgv(), path.join(WORKERS, script), ...args, '--launcher', 'mpi'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code, signal) => resolve({ exitCode: code ?? (signal ? 128 : 1), stderr, stdout, ms: Date.now() - t0 }));
  });
}
