/**
 * Starts the ranks of test/collectives/collective-worker.js (local Gloo processes or one
 * mpirun job) and collects what each rank wrote. Engines that are not built skip their tests
 * with a loud message, unless FER_MM_REQUIRE_ENGINES=1 (CI after a successful build) makes
 * them fail instead.
 */
import { spawn, spawnSync } from 'child_process';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { engineAvailability, type EngineName } from '@fer-mm/collectives';

const WORKER = path.join(__dirname, 'collective-worker.js');

export interface LaunchResult {
  code: number | null;
  signals: (NodeJS.Signals | null)[];
  elapsedMs: number;
  stderr: string;
  /** rank → the JSON that rank wrote (absent for a rank that died first). */
  ranks: Record<number, any>;
}

/** Whether `engine`'s tests run here; prints why not (and fails under FER_MM_REQUIRE_ENGINES=1). */
export function engineUsable(engine: EngineName): boolean {
  const availability = engineAvailability()[engine];
  const mpirunMissing = engine === 'mpi' && spawnSync('mpirun', ['--version']).status !== 0;
  if (availability.ok && !mpirunMissing) return true;
  const why = !availability.ok ? `${availability.reason}; install: ${availability.install}` : 'mpirun is not on PATH (apt-get install openmpi-bin)';
  if (process.env.FER_MM_REQUIRE_ENGINES === '1') {
    test(`${engine} engine is built and usable`, () => {
      throw new Error(`FER_MM_REQUIRE_ENGINES=1 but the ${engine} engine is unusable: ${why}`);
    });
    return false;
  }
  console.warn(`\n!!! ${engine} collectives NOT tested: ${why}\n`);
  return false;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function collect(out: string): Record<number, any> {
  const ranks: Record<number, any> = {};
  for (const f of fs.readdirSync(out)) {
    const m = /^rank(\d+)\.json$/.exec(f);
    if (m) ranks[Number(m[1])] = JSON.parse(fs.readFileSync(path.join(out, f), 'utf8'));
  }
  fs.rmSync(out, { recursive: true, force: true });
  return ranks;
}

function waitAll(children: ReturnType<typeof spawn>[], limitMs: number): Promise<{ codes: (number | null)[]; signals: (NodeJS.Signals | null)[] }> {
  const timer = setTimeout(() => children.forEach((c) => c.kill('SIGKILL')), limitMs);
  return Promise.all(
    children.map((c) => new Promise<[number | null, NodeJS.Signals | null]>((resolve) => c.once('exit', (code, signal) => resolve([code, signal])))),
  ).then((all) => {
    clearTimeout(timer);
    return { codes: all.map((a) => a[0]), signals: all.map((a) => a[1]) };
  });
}

export interface GlooLaunchArgs {
  size: number;
  scenario: 'suite' | 'kill' | 'timeout';
  store: 'tcp' | 'file';
  env?: Record<string, string>;
  /** Extra environment of single ranks, e.g. { 0: { START_DELAY_MS: '1000' } }. */
  rankEnv?: Record<number, Record<string, string>>;
  limitMs?: number;
}

/** `size` local Gloo ranks; the result's code is the first non-zero exit code (or 0). */
export async function launchGloo(args: GlooLaunchArgs): Promise<LaunchResult> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'fermm-coll-'));
  const store = args.store === 'tcp' ? `tcp:127.0.0.1:${await freePort()}` : `file:${path.join(out, 'store')}`;
  const started = Date.now();
  let stderr = '';
  const children = Array.from({ length: args.size }, (_, rank) => {
    const child = spawn(process.execPath, [WORKER, 'gloo', args.scenario], {
      env: { ...process.env, ...args.env, ...args.rankEnv?.[rank], RANK: String(rank), WORLD_SIZE: String(args.size), STORE: store, OUT: out },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr!.on('data', (d) => (stderr += d));
    return child;
  });
  const { codes, signals } = await waitAll(children, args.limitMs ?? 40000);
  return { code: codes.find((c) => c !== 0) ?? 0, signals, elapsedMs: Date.now() - started, stderr, ranks: collect(out) };
}

/** One `mpirun -n <size>` job of the worker. */
export async function launchMpi(args: { size: number; scenario: GlooLaunchArgs['scenario']; env?: Record<string, string>; limitMs?: number }): Promise<LaunchResult> {
  const out = fs.mkdtempSync(path.join(os.tmpdir(), 'fermm-coll-'));
  const started = Date.now();
  let stderr = '';
  const child = spawn('mpirun', ['-n', String(args.size), '--allow-run-as-root', '--oversubscribe', process.execPath, WORKER, 'mpi', args.scenario], {
    env: { ...process.env, ...args.env, OUT: out },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr!.on('data', (d) => (stderr += d));
  const { codes, signals } = await waitAll([child], args.limitMs ?? 40000);
  return { code: codes[0], signals, elapsedMs: Date.now() - started, stderr, ranks: collect(out) };
}
