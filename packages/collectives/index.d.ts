/**
 * @fer-mm/collectives: Gloo and Open MPI collectives for Node.
 *
 * Collectives are issued in call order on one queue per engine (sync calls wait for queued
 * async ones), so every rank must make the same calls in the same order, as with
 * torch.distributed.
 */

export type EngineName = 'gloo' | 'mpi';

export interface EngineInfo {
  name: EngineName;
  /** The library's version: Gloo's header version, or MPI_Get_library_version's first line. */
  version: string;
  /** Gloo's transport ('tcp' or 'ibverbs'); for MPI the thread level it granted, e.g. 'mpi (MPI_THREAD_MULTIPLE)'. */
  transport: string;
}

export type ReduceOp = 'sum' | 'mean';

export interface CollectiveEngine {
  readonly info: EngineInfo;
  readonly rank: number;
  readonly size: number;
  /** In-place float32 all-reduce; blocks the calling thread (SyncBatchNorm needs this inside tfjs gradients). */
  allReduce(buf: Float32Array, op?: ReduceOp): void;
  /** Same, off the JS thread; `buf` must not be touched until the promise settles. */
  allReduceAsync(buf: Float32Array, op?: ReduceOp): Promise<void>;
  /** In place: after the call every rank holds root's bytes. */
  broadcast(buf: Uint8Array | Float32Array, root: number): void;
  broadcastAsync(buf: Uint8Array | Float32Array, root: number): Promise<void>;
  /** Variable-size byte buffers from every rank, in rank order. */
  allGather(buf: Uint8Array): Uint8Array[];
  allGatherAsync(buf: Uint8Array): Promise<Uint8Array[]>;
  barrier(): void;
  barrierAsync(): Promise<void>;
  /** Deadline of every later collective, ms; a collective past it throws/rejects a CollectiveError. */
  setTimeout(ms: number): void;
  /** Ends this rank's membership; later calls throw. Idempotent. */
  close(): void;
}

export interface GlooInitArgs {
  rank: number;
  size: number;
  /** Rendezvous: a TCP key-value store served by rank 0 (torchrun's MASTER_ADDR/MASTER_PORT), or a shared file. */
  store: { kind: 'tcp'; host: string; port: number } | { kind: 'file'; path: string };
  /** Address this rank's Gloo pairs listen on (default: resolved from `host`'s route, or 127.0.0.1 for loopback). */
  listenAddress?: string;
  /** Rendezvous + per-op deadline, ms (default 1800 s). */
  timeoutMs?: number;
  /** Gloo's transport (default 'tcp'); 'ibverbs' where libgloo has it (Debian's does) and the host has an InfiniBand device. */
  transport?: 'tcp' | 'ibverbs';
  /** ibverbs: the device (default: the first one), its port (default 1) and GID index (default 0). */
  ibverbs?: { device?: string; port?: number; index?: number };
}

/** Rendezvous runs off the JS thread; resolves once every rank joined the full mesh. */
export function initGloo(args: GlooInitArgs): Promise<CollectiveEngine>;

/**
 * How the queue thread drives MPI's collectives: 'test' runs the non-blocking one (MPI_Iallreduce
 * ...) and polls MPI_Test, so the per-op deadline applies; 'wait' runs it and blocks in MPI_Wait;
 * 'blocking' calls the blocking one (MPI_Allreduce ...). Under 'wait' and 'blocking' there is no
 * deadline: a dead rank is handled by mpirun aborting the job.
 */
export type MpiProgress = 'test' | 'wait' | 'blocking';

export interface MpiInitArgs {
  /** Per-op deadline, ms (default 1800 s); enforced under progress 'test'. */
  timeoutMs?: number;
  /** Default 'test', the one strategy with a deadline; 'wait' overlapped a busy JS thread better (the package README has the measurement). */
  progress?: MpiProgress;
}

/** Ranks from mpirun / srun --mpi=pmix; MPI_Init_thread(MPI_THREAD_MULTIPLE). */
export function initMpi(args?: MpiInitArgs): Promise<CollectiveEngine>;

export type Availability = { ok: true; version: string } | { ok: false; reason: string; install: string };

/** Whether each engine's addon is built and loads, with the install command when not. Never throws. */
export function engineAvailability(): Record<EngineName, Availability>;

export class CollectiveError extends Error {
  /** 'allReduce' | 'broadcast' | 'allGather' | 'barrier' | 'init' */
  readonly op: string;
  readonly engine: EngineName;
  /** true when the cause is a deadline (Gloo timeout), false for a lost peer / IO error. */
  readonly timedOut: boolean;
}

/** The default rendezvous and per-op deadline, ms (1800 s, as torch.distributed). */
export const DEFAULT_TIMEOUT_MS: number;
