/**
 * Entry points for tools: `initDist(launcher)` joins the process group that
 * the environment describes, `runDistMain` wraps a tool's main so that an
 * error on any rank stops every rank (non-zero exit, the failing rank's error
 * shown) and Ctrl-C / SIGTERM stop cleanly. `getDistInfo` / `masterOnly`
 * mirror mmcv's rank helpers.
 */
import { DistEnv, LAUNCHERS, LauncherName, resolveDistEnv, selectDevice } from './env';
import { setSyncChannel } from '../nn/sync-reduce';
import { resolveBackend } from './engine';
import { DistError } from './errors';
import { PEER_ABORT_EXIT_CODE } from './launcher';
import { ProcessGroup, ProcessGroupArgs } from './process-group';
import { TfDist } from './tf-dist';

/** Options of {@link initDist}. */
export interface InitDistArgs extends ProcessGroupArgs {
  /** Narrow CUDA_VISIBLE_DEVICES to this rank's device (default true). Call before the backend loads. */
  selectDevice?: boolean;
}

let current: TfDist | null = null;

/** `{ rank, worldSize }` of this process (0/1 outside a distributed run), like mmcv's get_dist_info. */
export function getDistInfo(): { rank: number; worldSize: number; localRank: number } {
  return current ? { rank: current.rank, worldSize: current.worldSize, localRank: current.localRank } : { rank: 0, worldSize: 1, localRank: 0 };
}

/** The active distributed context, or null. */
export function currentDist(): TfDist | null {
  return current;
}

/** Runs `fn` on rank 0 only (logging, saving), like mmcv's `master_only`. */
export function masterOnly<A extends unknown[], R>(fn: (...a: A) => R): (...a: A) => R | undefined {
  return (...a: A) => (getDistInfo().rank === 0 ? fn(...a) : undefined);
}

export function assertLauncher(name: string): LauncherName {
  if (!(LAUNCHERS as readonly string[]).includes(name)) {
    throw new Error(`--launcher ${JSON.stringify(name)} is not one of ${LAUNCHERS.join(', ')}`);
  }
  return name as LauncherName;
}

/**
 * Joins the group for `launcher` ('pytorch', 'slurm', 'mpi'; 'none' returns
 * null) on the engine `args.distParams` picks. `multi-gpu` here means "this
 * process is a rank started by our launcher", i.e. the same as 'pytorch'.
 */
export async function initDist(launcher: LauncherName | string, args: InitDistArgs = {}): Promise<TfDist | null> {
  const name = assertLauncher(launcher);
  if (name === 'none') return null;
  // MPI brings its own ranks: MASTER_ADDR is only needed for Gloo's rendezvous
  const engine = resolveBackend(args.distParams, name);
  const env: DistEnv | null = resolveDistEnv(name, process.env, { rendezvous: engine === 'gloo' });
  if (!env) return null;
  if (args.selectDevice !== false) selectDevice(env.localRank);
  if (current) throw new DistError('initDist: this process already joined a process group');
  const pg = await ProcessGroup.init(env, { ...args, launcher: name });
  // SyncBatchNorm's blocking sums go through the engine
  setSyncChannel(pg);
  current = new TfDist(pg);
  return current;
}

function errorText(e: unknown): string {
  if (e instanceof Error) return e.stack ?? `${e.name}: ${e.message}`;
  return String(e);
}

/**
 * Runs a tool's main under the process group of `launcher` and exits the
 * process: 0 on success; 1 when this rank failed (its error is sent to every
 * rank) or the job was aborted by another rank; 130/143 on SIGINT/SIGTERM.
 */
export async function runDistMain(
  launcher: LauncherName | string,
  main: (dist: TfDist | null) => Promise<void>,
  args: InitDistArgs = {},
): Promise<never> {
  let dist: TfDist | null = null;
  // Our launcher prefixes the output of ranks > 0 itself.
  const prefix = () => (dist && !process.env.FERMM_LAUNCHER_PID ? `[rank ${dist.rank}] ` : '');
  let exiting = false;
  // The engine is closed before exiting, so the other ranks see this one leave.
  const exit = (code: number) => {
    if (exiting) return;
    exiting = true;
    const closing = dist ? dist.pg.shutdown().catch(() => {}) : Promise.resolve();
    const t = setTimeout(() => process.exit(code), 3000);
    void closing.then(() => {
      clearTimeout(t);
      process.exit(code);
    });
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (exiting) return;
    process.stderr.write(`${prefix()}received ${sig}; stopping\n`);
    const done = dist ? dist.fail(`stopped by ${sig}`) : Promise.resolve();
    void done.finally(() => exit(sig === 'SIGINT' ? 130 : 143));
    setTimeout(() => exit(sig === 'SIGINT' ? 130 : 143), 1500).unref();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    dist = await initDist(launcher, args);
    if (dist) {
      const d = dist;
      // If the job is aborted while this rank is not awaiting the failed collective, leave anyway.
      d.pg.onAbort = (err) => {
        setTimeout(() => {
          if (exiting) return;
          process.stderr.write(`${err.message}\n`);
          exit(err.failedRank !== undefined && err.failedRank !== d.rank ? PEER_ABORT_EXIT_CODE : 1);
        }, 2000).unref();
      };
    }
    await main(dist);
    if (dist) await dist.destroy();
    exit(0);
    await new Promise(() => {});
  } catch (e) {
    const aborted = dist?.pg.abortError;
    let code = 1;
    if (aborted && (e === aborted || e instanceof DistError)) {
      // The job was aborted: show why (another rank's error travels in the message).
      process.stderr.write(`${aborted.message}\n`);
      if (aborted.failedRank !== undefined && aborted.failedRank !== dist?.rank) code = PEER_ABORT_EXIT_CODE;
    } else {
      process.stderr.write(`${prefix()}${errorText(e)}\n`);
      if (dist) await dist.fail(errorText(e).split('\n').slice(0, 6).join('\n'));
    }
    exit(code);
    await new Promise(() => {});
  }
  throw new Error('unreachable');
}
