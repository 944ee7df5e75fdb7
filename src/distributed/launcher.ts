/**
 * `--launcher multi-gpu --gpus N`: a torchrun-like spawner. Starts N copies of
 * the running tool (node + tsx, same script, same args but `--launcher
 * pytorch`), one per device, with RANK/LOCAL_RANK/WORLD_SIZE/MASTER_ADDR/
 * MASTER_PORT set. If a rank fails, the others are stopped and the launcher
 * exits non-zero naming the failing rank; Ctrl-C stops every rank. Each rank is
 * its own process group, killed as a whole, so nothing is left behind.
 */
import { ChildProcess, spawn } from 'node:child_process';
import * as net from 'node:net';
import { pathToFileURL } from 'node:url';
import { DEFAULT_MASTER_PORT, countGpus } from './env';
import { checkEngineBeforeLaunch, type DistParams } from './engine';

import { PEER_ABORT_EXIT_CODE } from './finish';
import { RankExit, blame, describeExit, exitSignal } from './rank-exit';

export { PEER_ABORT_EXIT_CODE };

/** What the spawner needs; see `parseLauncherFlags` for the CLI side. */
export interface LaunchArgs {
  /** Script every rank runs (a .ts file runs under tsx, a .js file on plain node). */
  script: string;
  /** Arguments for each rank (launcher flags already removed; `--launcher pytorch` is appended). */
  args: string[];
  /** Processes on this machine (`--gpus`). */
  nprocPerNode: number;
  /** Machines in the job (env NNODES, default 1). */
  nnodes?: number;
  /** This machine's index (env NODE_RANK, default 0). */
  nodeRank?: number;
  /** Rank 0's host (env MASTER_ADDR, default 127.0.0.1). */
  masterAddr?: string;
  /** Rank 0's port (env MASTER_PORT or PORT; a free port on one machine, else 29500). */
  masterPort?: number;
  /** Extra environment for every rank. */
  env?: Record<string, string>;
  /** How long the other ranks get to stop on their own after a failure before SIGTERM, ms (default 3000). */
  abortGraceMs?: number;
  /** SIGTERM -> SIGKILL delay, ms (default 5000). */
  killGraceMs?: number;
  /** Where to print launcher messages and prefixed rank output (default process streams). */
  stdout?: NodeJS.WritableStream;
  stderr?: NodeJS.WritableStream;
}

/** The outcome of a launch. */
export interface LaunchResult {
  exitCode: number;
  /** The first rank that failed, if any. */
  failedRank?: number;
  pids: number[];
}

/**
 * Node arguments that make a child run TypeScript through tsx; none when `script`
 * is JavaScript, so the built package's tools start on plain node.
 */
export function tsxExecArgv(script?: string): string[] {
  if (script !== undefined && !/\.[cm]?tsx?$/.test(script)) return [];
  return ['--import', pathToFileURL(require.resolve('tsx')).href];
}

/** The launcher's own memory/debug flags, forwarded to the ranks (NODE_OPTIONS travels in the env). */
function forwardedExecArgv(): string[] {
  return process.execArgv.filter((a) => /^--(max-old-space-size|max-semi-space-size|stack-size)=\d+$|^--(expose-gc|enable-source-maps)$/.test(a));
}

export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, host, () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

const LAUNCHER_FLAGS = ['--launcher', '--gpus', '--nnodes', '--node-rank', '--master-addr', '--master-port'];

/** Launcher flags found in `argv` (values as strings) and the remaining args. */
export function parseLauncherFlags(argv: string[]): { flags: Record<string, string>; rest: string[] } {
  const flags: Record<string, string> = {};
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    if (LAUNCHER_FLAGS.includes(name)) {
      const value = eq > 0 ? a.slice(eq + 1) : argv[++i];
      if (value === undefined) throw new Error(`${name} needs a value`);
      flags[name.slice(2)] = value;
    } else {
      rest.push(a);
    }
  }
  return { flags, rest };
}

function positiveInt(v: string | undefined, what: string, fallback: number): number {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a non-negative integer, got ${JSON.stringify(v)}`);
  return n;
}

/** Prefixes each line of a stream. */
function relay(from: NodeJS.ReadableStream, to: NodeJS.WritableStream, prefix: string, tail: string[]): void {
  let buf = '';
  from.setEncoding('utf8');
  from.on('data', (chunk: string) => {
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      to.write(`${prefix}${line}\n`);
      tail.push(line);
      if (tail.length > 40) tail.shift();
    }
  });
  from.on('end', () => {
    if (buf) {
      to.write(`${prefix}${buf}\n`);
      tail.push(buf);
    }
  });
}

function killGroup(child: ChildProcess, sig: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, sig); // the rank's whole process group
  } catch {
    try {
      child.kill(sig);
    } catch {
      /* already gone */
    }
  }
}

/** Starts the ranks of this machine and waits for them. */
export async function launchWorkers(a: LaunchArgs): Promise<LaunchResult> {
  const out = a.stdout ?? process.stdout;
  const err = a.stderr ?? process.stderr;
  const nproc = a.nprocPerNode;
  if (!Number.isInteger(nproc) || nproc < 1) throw new Error(`--gpus must be a positive integer, got ${nproc}`);
  const nnodes = a.nnodes ?? positiveInt(process.env.NNODES, 'NNODES', 1);
  const nodeRank = a.nodeRank ?? positiveInt(process.env.NODE_RANK, 'NODE_RANK', 0);
  if (nnodes < 1 || nodeRank >= nnodes) throw new Error(`NODE_RANK ${nodeRank} must be below NNODES ${nnodes}`);
  const masterAddr = a.masterAddr ?? process.env.MASTER_ADDR ?? '127.0.0.1';
  const envPort = process.env.MASTER_PORT || process.env.PORT;
  const masterPort = a.masterPort ?? (envPort ? positiveInt(envPort, 'MASTER_PORT', DEFAULT_MASTER_PORT) : nnodes > 1 ? DEFAULT_MASTER_PORT : await freePort());
  const worldSize = nnodes * nproc;
  // One device per rank when GPUs exist; N CPU workers otherwise.
  const visible = process.env.CUDA_VISIBLE_DEVICES;
  const devices = visible !== undefined ? visible.split(',').map((s) => s.trim()).filter(Boolean) : [...Array(countGpus()).keys()].map(String);
  if (devices.length > 0 && devices.length < nproc) {
    err.write(`[launcher] warning: ${nproc} ranks share ${devices.length} visible GPU(s)\n`);
  }

  const children: ChildProcess[] = [];
  const tails: string[][] = [];
  let failed: RankExit | null = null;
  let stopping: NodeJS.Signals | null = null;
  const failures: RankExit[] = [];
  const timers: NodeJS.Timeout[] = [];
  let launcherKilled = false;

  const stopAll = (sig: NodeJS.Signals) => {
    launcherKilled = true;
    for (const c of children) killGroup(c, sig);
  };
  const escalate = (afterMs: number) => {
    timers.push(setTimeout(() => stopAll('SIGTERM'), afterMs));
    timers.push(setTimeout(() => stopAll('SIGKILL'), afterMs + (a.killGraceMs ?? 5000)));
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopping) {
      stopAll('SIGKILL');
      return;
    }
    stopping = sig;
    err.write(`[launcher] ${sig}: stopping all ${nproc} rank(s)\n`);
    escalate(0);
  };
  const onExit = () => stopAll('SIGKILL');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.on('SIGHUP', onSignal);
  process.on('exit', onExit);

  const exits: Array<Promise<void>> = [];
  for (let local = 0; local < nproc; local++) {
    const rank = nodeRank * nproc + local;
    const env: Record<string, string | undefined> = {
      ...process.env,
      ...a.env,
      RANK: String(rank),
      LOCAL_RANK: String(local),
      WORLD_SIZE: String(worldSize),
      LOCAL_WORLD_SIZE: String(nproc),
      NNODES: String(nnodes),
      NODE_RANK: String(nodeRank),
      MASTER_ADDR: masterAddr,
      MASTER_PORT: String(masterPort),
      FERMM_LAUNCHER_PID: String(process.pid),
    };
    if (devices.length > 0) env.CUDA_VISIBLE_DEVICES = devices[local % devices.length];
    const child = spawn(process.execPath, [...forwardedExecArgv(), ...tsxExecArgv(a.script), a.script, ...a.args, '--launcher', 'pytorch'], {
      env,
      stdio: ['ignore', rank === 0 ? 'inherit' : 'pipe', 'pipe'],
      detached: true, // own process group: killed as a whole
    });
    const tail: string[] = [];
    tails.push(tail);
    if (child.stdout) relay(child.stdout, out, `[rank ${rank}] `, []);
    relay(child.stderr!, err, rank === 0 ? '' : `[rank ${rank}] `, tail);
    children.push(child);
    exits.push(
      new Promise<void>((resolve) => {
        child.on('error', (e) => {
          tail.push(String(e));
        });
        child.on('close', (code, signal) => {
          const exit: RankExit = { rank, code, signal, beforeLauncherKill: !launcherKilled };
          if ((code !== 0 || signal) && !stopping) failures.push(exit);
          if ((code !== 0 || signal) && !failed && !stopping) {
            failed = exit;
            err.write(`[launcher] rank ${rank} (pid ${child.pid}) ${describeExit(exit)}; stopping the other rank(s)\n`);
            escalate(a.abortGraceMs ?? 3000);
          }
          resolve();
        });
      }),
    );
  }
  await Promise.all(exits);
  for (const t of timers) clearTimeout(t);
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.off('SIGHUP', onSignal);
  process.off('exit', onExit);
  stopAll('SIGKILL'); // stray grandchildren of ranks that exited

  const pids = children.map((c) => c.pid ?? -1);
  // Blame the rank that failed on its own, not one stopped because of it.
  const f = blame(failures);
  if (f) {
    // A signal came from outside: the rank's last output does not explain it.
    const tail = exitSignal(f) ? [] : tails[f.rank - nodeRank * nproc].slice(-15);
    err.write(
      `[launcher] job failed: rank ${f.rank} ${describeExit(f)}` +
        (exitSignal(f) ? ' (from outside the job: the OOM killer, kill -9 or a scheduler?)\n' : '') +
        (tail.length ? `; its last error output:\n${tail.map((l) => `  | ${l}`).join('\n')}\n` : exitSignal(f) ? '' : '\n'),
    );
    return { exitCode: f.code && f.code > 0 ? f.code : 1, failedRank: f.rank, pids };
  }
  if (stopping) return { exitCode: stopping === 'SIGINT' ? 130 : 143, pids };
  const bad = children.find((c) => c.exitCode !== 0);
  return { exitCode: bad ? 1 : 0, pids };
}

/**
 * For tools: when `argv` has `--launcher multi-gpu` (and this process is not a
 * rank already), spawn the ranks and return the exit code; otherwise null.
 * Usage at the top of a tool: `const code = await launchIfRequested(); if (code !== null) process.exit(code);`
 */
export async function launchIfRequested(argv: string[] = process.argv, distParams?: DistParams): Promise<number | null> {
  const { flags, rest } = parseLauncherFlags(argv.slice(2));
  if (flags.launcher !== 'multi-gpu') return null;
  checkEngineBeforeLaunch(distParams);
  const gpus = positiveInt(flags.gpus, '--gpus', 0) || Math.max(1, countGpus());
  const res = await launchWorkers({
    script: argv[1],
    args: rest,
    nprocPerNode: gpus,
    nnodes: flags.nnodes !== undefined ? positiveInt(flags.nnodes, '--nnodes', 1) : undefined,
    nodeRank: flags['node-rank'] !== undefined ? positiveInt(flags['node-rank'], '--node-rank', 0) : undefined,
    masterAddr: flags['master-addr'],
    masterPort: flags['master-port'] !== undefined ? positiveInt(flags['master-port'], '--master-port', DEFAULT_MASTER_PORT) : undefined,
  });
  return res.exitCode;
}
