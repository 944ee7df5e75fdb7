/**
 * The collective engine under the process group: Gloo (default, CPU, TCP) or
 * Open MPI, from the native package `@fer-mm/collectives`. `dist_params`
 * (mmcls's config key) picks it; the package is loaded only here, so a
 * single-process run never loads an engine.
 */
import type * as Collectives from '@fer-mm/collectives';
import type { CollectiveEngine, EngineName } from '@fer-mm/collectives';
import { DistError } from './errors';
import type { DistEnv, LauncherName } from './env';

export type { CollectiveEngine, EngineName };

/** Backends `dist_params.backend` accepts ('nccl' only to answer it clearly). */
export const DIST_BACKENDS = ['gloo', 'mpi', 'nccl'] as const;
export type DistBackend = (typeof DIST_BACKENDS)[number];

/** `dist_params` of a config, as torch.distributed's init_process_group takes them. */
export interface DistParams {
  /** 'gloo' (default), 'mpi' (ranks from mpirun / srun --mpi=pmix) or 'nccl' (not built yet). */
  backend?: string;
  /** 'env://' (MASTER_ADDR/MASTER_PORT, the default), 'tcp://host:port' or 'file:///shared/path' (Gloo only). */
  init_method?: string;
  /** Deadline of the rendezvous and of every collective, seconds (default DIST_TIMEOUT_S or 1800). */
  timeout_s?: number;
}

/** Module path of the package; FER_MM_COLLECTIVES_MODULE replaces it (tests hide or fake the engines). */
function modulePath(env: Record<string, string | undefined> = process.env): string {
  return env.FER_MM_COLLECTIVES_MODULE || '@fer-mm/collectives';
}

export const INSTALL_HINT =
  'apt-get install libgloo-dev libopenmpi-dev openmpi-bin (Debian/Ubuntu), then npm rebuild @fer-mm/collectives';

let loaded: typeof Collectives | null = null;

/** The package, or an error with the install command (never at import time of this module). */
export function loadCollectives(): typeof Collectives {
  if (loaded) return loaded;
  const name = modulePath();
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require(name) as typeof Collectives;
  } catch (e) {
    throw new DistError(`multi-process runs need a collective engine, but ${name} does not load (${(e as Error).message.split('\n')[0]}). Install it: ${INSTALL_HINT}`);
  }
  return loaded;
}

/**
 * The engine `dist_params` asks for: `backend` when given; otherwise MPI
 * when MPI started the ranks (`--launcher mpi`, or slurm's `srun --mpi=pmix`),
 * else Gloo.
 */
export function resolveBackend(params: DistParams | undefined, launcher: LauncherName, env: Record<string, string | undefined> = process.env): EngineName {
  const b = params?.backend;
  if (b === undefined || b === null || b === '') {
    if (launcher === 'mpi') return 'mpi';
    if (launcher === 'slurm' && env.PMIX_RANK !== undefined) return 'mpi';
    return 'gloo';
  }
  if (b === 'gloo' || b === 'mpi') return b;
  if (b === 'nccl') {
    throw new DistError(
      "dist_params.backend='nccl': there is no NCCL engine yet (it needs GPU-resident tensors from tfjs-node-gpu); " +
        "set dist_params.backend to 'gloo' (CPU, the default) or 'mpi' (--cfg-options dist_params.backend=gloo)",
    );
  }
  throw new DistError(`dist_params.backend=${JSON.stringify(b)} is not one of ${DIST_BACKENDS.join(', ')}`);
}

/** The error of a machine where no engine is built (null when one is): any multi-process run needs one. */
export function noEngineBuilt(): string | null {
  let av: ReturnType<typeof Collectives.engineAvailability>;
  try {
    av = loadCollectives().engineAvailability();
  } catch (e) {
    return (e as Error).message;
  }
  if (av.gloo.ok || av.mpi.ok) return null;
  return `multi-process runs need a collective engine, and none is built here (gloo: ${av.gloo.reason}; mpi: ${av.mpi.reason}). Install one: ${av.gloo.install}`;
}

/**
 * Fails fast, before any rank starts, when the engine is not built:
 * `--launcher multi-gpu` checks this in the parent.
 */
export function assertEngineAvailable(name: EngineName): string {
  const av = loadCollectives().engineAvailability()[name];
  if (av.ok) return av.version;
  throw new DistError(`dist_params.backend='${name}': the ${name === 'gloo' ? 'Gloo' : 'Open MPI'} engine is not available (${av.reason}). Install it: ${av.install}`);
}

/**
 * `--launcher multi-gpu` starts Gloo ranks: checked in the launcher before
 * any rank starts (MPI ranks come from mpirun or srun instead).
 */
export function checkEngineBeforeLaunch(params: DistParams | undefined): void {
  const name = resolveBackend(params, 'multi-gpu');
  if (name === 'mpi') {
    throw new DistError(
      "dist_params.backend='mpi': MPI ranks are started by MPI, not by --launcher multi-gpu: " +
        'mpirun -n N npx tsx tools/train.ts CONFIG --launcher mpi, or srun -n N --mpi=pmix ... --launcher slurm',
    );
  }
  assertEngineAvailable(name);
}

/** Rendezvous of the Gloo ranks from `init_method` (torch's forms). */
export function glooStore(params: DistParams | undefined, env: DistEnv): { kind: 'tcp'; host: string; port: number } | { kind: 'file'; path: string } {
  const m = params?.init_method;
  if (m === undefined || m === null || m === '' || m === 'env://') return { kind: 'tcp', host: env.masterAddr, port: env.masterPort };
  if (m.startsWith('file://')) {
    const p = decodeURIComponent(m.slice('file://'.length));
    if (!p.startsWith('/')) throw new DistError(`dist_params.init_method=${JSON.stringify(m)}: a file:// method needs an absolute path (file:///shared/path)`);
    return { kind: 'file', path: p };
  }
  const tcp = /^tcp:\/\/\[?([^\]]+?)\]?:(\d+)$/.exec(m);
  if (tcp) return { kind: 'tcp', host: tcp[1], port: Number(tcp[2]) };
  throw new DistError(`dist_params.init_method=${JSON.stringify(m)} is not one of env://, tcp://HOST:PORT, file:///shared/path`);
}

/** Deadline of every collective (ms): dist_params.timeout_s, else DIST_TIMEOUT_S, else 1800 s like torch. */
export function resolveTimeoutMs(params: DistParams | undefined, explicitMs: number | undefined, env: Record<string, string | undefined> = process.env): number {
  if (explicitMs !== undefined) return explicitMs;
  const t = params?.timeout_s;
  if (t !== undefined && t !== null) {
    if (!(typeof t === 'number' && t > 0)) throw new DistError(`dist_params.timeout_s must be a positive number of seconds, got ${JSON.stringify(t)}`);
    return t * 1000;
  }
  return envSeconds('DIST_TIMEOUT_S', env) ?? 1800_000;
}

/** A positive number of seconds from the environment, in ms. */
export function envSeconds(name: string, env: Record<string, string | undefined> = process.env): number | undefined {
  const v = env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!(n > 0)) throw new Error(`environment variable ${name}=${JSON.stringify(v)} must be a positive number of seconds`);
  return n * 1000;
}

/** What `initEngine` needs besides the rank contract. */
export interface InitEngineArgs {
  name: EngineName;
  params?: DistParams;
  /** Rendezvous deadline, ms. */
  rendezvousTimeoutMs: number;
  /** Per-collective deadline, ms. */
  timeoutMs: number;
}

/** Joins the engine's group; checks that its ranks are the launcher's. */
export async function initEngine(env: DistEnv, a: InitEngineArgs): Promise<CollectiveEngine> {
  const lib = loadCollectives();
  assertEngineAvailable(a.name);
  let engine: CollectiveEngine;
  if (a.name === 'gloo') {
    const store = glooStore(a.params, env);
    try {
      engine = await lib.initGloo({ rank: env.rank, size: env.worldSize, store, listenAddress: env.bindAddr, timeoutMs: a.rendezvousTimeoutMs });
    } catch (e) {
      const where = store.kind === 'tcp' ? `the store at ${store.host}:${store.port} (MASTER_ADDR/MASTER_PORT)` : `the file store ${store.path}`;
      throw new DistError(
        `rank ${env.rank}: Gloo rendezvous of ${env.worldSize} ranks through ${where} failed within ${a.rendezvousTimeoutMs / 1000} s: ${(e as Error).message}. ` +
          'Are all ranks started, with the same WORLD_SIZE and MASTER_ADDR/MASTER_PORT?',
      );
    }
  } else {
    engine = await lib.initMpi({ timeoutMs: a.timeoutMs });
    if (engine.size !== env.worldSize || engine.rank !== env.rank) {
      const size = engine.size;
      engine.close();
      throw new DistError(
        `dist_params.backend='mpi': MPI sees rank ${engine.rank} of ${size} but the launcher says rank ${env.rank} of ${env.worldSize}; ` +
          'MPI ranks must be started by mpirun -n N (--launcher mpi) or srun --mpi=pmix (--launcher slurm), not by --launcher multi-gpu',
      );
    }
  }
  engine.setTimeout(a.timeoutMs);
  return engine;
}
