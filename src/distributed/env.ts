/**
 * The torchrun environment contract (RANK, LOCAL_RANK, WORLD_SIZE, MASTER_ADDR,
 * MASTER_PORT) and its mapping from the launchers MMCV knows: `pytorch` (our own
 * `multi-gpu` spawner, torchrun or any script), `slurm` and `mpi`.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';
import { intFrom, rankInfoFromEnv } from '../utils/rank-env';

export { rankInfoFromEnv };

/** Launcher names accepted by `--launcher`. `multi-gpu` spawns; the others join. */
export const LAUNCHERS = ['none', 'pytorch', 'slurm', 'mpi', 'multi-gpu'] as const;
export type LauncherName = (typeof LAUNCHERS)[number];

/** Where this process sits in the job, resolved from the environment. */
export interface DistEnv {
  rank: number;
  localRank: number;
  worldSize: number;
  /** Host of rank 0's rendezvous store (Gloo). */
  masterAddr: string;
  masterPort: number;
  /** Address this rank's Gloo connections listen on (127.0.0.1, MASTER_ADDR or NODE_ADDR). */
  bindAddr: string;
}

export const DEFAULT_MASTER_PORT = 29500;

type Env = Record<string, string | undefined>;

export function isLoopback(addr: string): boolean {
  return addr === 'localhost' || addr.startsWith('127.') || addr === '::1';
}

/** True when `addr` is one of this machine's interface addresses. */
export function isLocalAddress(addr: string): boolean {
  if (isLoopback(addr)) return true;
  // slurm gives host names (MASTER_ADDR=gpu017): compare with this machine's name too
  const host = os.hostname();
  if (addr === host || addr === host.split('.')[0]) return true;
  for (const list of Object.values(os.networkInterfaces())) {
    for (const i of list ?? []) if (i.address === addr) return true;
  }
  return false;
}

/**
 * Gloo may only listen on loopback, MASTER_ADDR (on the master's
 * machine) or an address the user names in NODE_ADDR: never a wildcard.
 */
export function resolveBindAddr(env: Env, masterAddr: string): string {
  if (env.NODE_ADDR) return env.NODE_ADDR;
  if (isLoopback(masterAddr)) return '127.0.0.1';
  if (isLocalAddress(masterAddr)) return masterAddr;
  throw new Error(
    `MASTER_ADDR=${masterAddr} is not an address of this machine, so this rank cannot ` +
      'bind there: set NODE_ADDR to this machine\'s address that the other nodes can reach',
  );
}

/** First host of a slurm node list, via `scontrol show hostname` like mmcv. */
function slurmMasterAddr(nodeList: string): string {
  try {
    const out = execFileSync('scontrol', ['show', 'hostname', nodeList], { encoding: 'utf8' });
    const first = out.split('\n')[0]?.trim();
    if (first) return first;
  } catch {
    /* fall through to a simple parse */
  }
  // "node[001-004,007]" -> "node001"; "a,b" -> "a"
  const m = /^([^[,]+)(?:\[([^\],-]+))?/.exec(nodeList);
  if (!m) throw new Error(`--launcher slurm: cannot parse SLURM_NODELIST=${nodeList}`);
  return m[1] + (m[2] ?? '');
}

/**
 * Reads (and, for slurm/mpi, writes back into `env` like mmcv does) the rank
 * contract for `launcher`. Returns null for `none`. `rendezvous: false` (the
 * MPI engine, which brings its own) makes MASTER_ADDR optional.
 */
export function resolveDistEnv(launcher: LauncherName, env: Env = process.env, opts: { rendezvous?: boolean } = {}): DistEnv | null {
  const rendezvous = opts.rendezvous ?? true;
  if (launcher === 'none') return null;
  let rank: number;
  let worldSize: number;
  let localRank: number;
  let masterAddr = env.MASTER_ADDR ?? '';
  let masterPort: number;
  if (launcher === 'pytorch' || launcher === 'multi-gpu') {
    rank = intFrom(env, 'RANK', launcher);
    worldSize = intFrom(env, 'WORLD_SIZE', launcher);
    localRank = intFrom(env, 'LOCAL_RANK', launcher, rank);
    masterAddr = masterAddr || '127.0.0.1';
    masterPort = intFrom(env, 'MASTER_PORT', launcher, DEFAULT_MASTER_PORT);
  } else if (launcher === 'slurm') {
    rank = intFrom(env, 'SLURM_PROCID', launcher);
    worldSize = intFrom(env, 'SLURM_NTASKS', launcher);
    const tasksPerNode = Number(/^(\d+)/.exec(env.SLURM_NTASKS_PER_NODE ?? env.SLURM_TASKS_PER_NODE ?? '')?.[1] ?? 0);
    localRank = env.SLURM_LOCALID !== undefined ? intFrom(env, 'SLURM_LOCALID', launcher) : tasksPerNode > 0 ? rank % tasksPerNode : rank;
    if (!masterAddr) {
      if (!env.SLURM_NODELIST) throw new Error('--launcher slurm: neither MASTER_ADDR nor SLURM_NODELIST is set');
      masterAddr = slurmMasterAddr(env.SLURM_NODELIST);
    }
    masterPort = intFrom(env, 'MASTER_PORT', launcher, DEFAULT_MASTER_PORT);
  } else if (launcher === 'mpi') {
    rank = intFrom(env, 'OMPI_COMM_WORLD_RANK', launcher);
    worldSize = intFrom(env, 'OMPI_COMM_WORLD_SIZE', launcher);
    localRank = intFrom(env, 'OMPI_COMM_WORLD_LOCAL_RANK', launcher, rank);
    if (!masterAddr && rendezvous) {
      throw new Error("--launcher mpi with dist_params.backend='gloo': MASTER_ADDR must be set (the address of rank 0), or use the MPI engine (dist_params.backend='mpi')");
    }
    masterAddr ||= '127.0.0.1';
    masterPort = intFrom(env, 'MASTER_PORT', launcher, DEFAULT_MASTER_PORT);
  } else {
    throw new Error(`unknown launcher ${JSON.stringify(launcher)}; expected one of ${LAUNCHERS.join(', ')}`);
  }
  if (worldSize < 1) throw new Error(`--launcher ${launcher}: WORLD_SIZE must be >= 1, got ${worldSize}`);
  if (rank >= worldSize) throw new Error(`--launcher ${launcher}: RANK ${rank} is not below WORLD_SIZE ${worldSize}`);
  if (masterPort < 1 || masterPort > 65535) throw new Error(`MASTER_PORT ${masterPort} is out of range`);
  // Like mmcv's _init_dist_slurm/_init_dist_mpi: publish the torchrun names.
  env.RANK = String(rank);
  env.WORLD_SIZE = String(worldSize);
  env.LOCAL_RANK = String(localRank);
  env.MASTER_ADDR = masterAddr;
  env.MASTER_PORT = String(masterPort);
  return { rank, localRank, worldSize, masterAddr, masterPort, bindAddr: rendezvous ? resolveBindAddr(env, masterAddr) : '127.0.0.1' };
}

/** Number of NVIDIA GPUs (`nvidia-smi -L`), 0 when the tool is absent. */
export function countGpus(): number {
  try {
    const out = execFileSync('nvidia-smi', ['-L'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    return out.split('\n').filter((l) => /^GPU \d+/.test(l)).length;
  } catch {
    return 0;
  }
}

/**
 * One device per process: tfjs-node-gpu has no placement API, so the choice
 * is made through CUDA_VISIBLE_DEVICES before the backend loads. Narrows a
 * multi-device list to the local rank's entry; leaves a single entry alone.
 */
export function selectDevice(localRank: number, env: Env = process.env, gpuCount = -1): void {
  const cur = env.CUDA_VISIBLE_DEVICES;
  if (cur !== undefined && cur !== '') {
    const list = cur.split(',').map((s) => s.trim()).filter(Boolean);
    if (list.length > 1) env.CUDA_VISIBLE_DEVICES = list[localRank % list.length];
    return;
  }
  if (cur === '') return; // explicitly hidden: CPU
  const n = gpuCount >= 0 ? gpuCount : countGpus();
  if (n > 0) env.CUDA_VISIBLE_DEVICES = String(localRank % n);
}
