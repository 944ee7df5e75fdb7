/**
 * The process group over a collective engine (Gloo or Open MPI, see
 * engine.ts): float32 all-reduce and broadcast for gradients and weights,
 * serialized objects (v8 structured clone) through the engine's all-gather,
 * barriers, and the blocking sums SyncBatchNorm needs. Every call is numbered
 * so an engine error names the collective (#seq op('label')) it hit; after
 * one, the group is unusable and every later call throws the same error.
 */
import * as v8 from 'node:v8';
import type { BlockingAllReduce } from '../nn/sync-reduce';
import { DistEnv, LauncherName } from './env';
import { CollectiveEngine, DistParams, EngineName, envSeconds, initEngine, resolveBackend, resolveTimeoutMs } from './engine';
import { DistError } from './errors';

/** Tunables of a process group; every field has a default. */
export interface ProcessGroupArgs {
  /** `dist_params` of the config: engine, init_method, timeout_s. */
  distParams?: DistParams;
  /** The launcher that started this rank (picks MPI for `mpi` when the config names no backend). */
  launcher?: LauncherName;
  /** Deadline of every collective, ms (default dist_params.timeout_s, env DIST_TIMEOUT_S, or 1800 s like torch). */
  timeoutMs?: number;
  /** Deadline for all ranks to join, ms (env DIST_RENDEZVOUS_TIMEOUT_S; default 300 s). */
  rendezvousTimeoutMs?: number;
  /** Bucket size of the overlapped gradient all-reduce, MB (default 25, like DDP). */
  bucketSizeMb?: number;
  /** Our launcher's pid (env FERMM_LAUNCHER_PID): ranks stop when it disappears. */
  launcherPid?: number;
}

/** Collective names, as errors show them. */
export type OpName = 'barrier' | 'broadcastObject' | 'allGatherObjects' | 'allReduce' | 'broadcast' | 'syncSum' | 'destroy';

function bytesOf(a: Float32Array | Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

export class ProcessGroup implements BlockingAllReduce {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  readonly timeoutMs: number;
  readonly bucketSizeMb: number;
  /** `gloo 1.0 (tcp)`: the engine and its library version, for logs and checkpoint meta. */
  readonly engineDescription: string;

  private seq = 0;
  private aborted: DistError | null = null;
  private closed = false;
  private watch: NodeJS.Timeout | null = null;
  /** Called once when a collective fails (a lost peer, a deadline). */
  onAbort: (err: DistError) => void = () => {};

  private constructor(
    readonly env: DistEnv,
    readonly engine: CollectiveEngine,
    args: ProcessGroupArgs,
    timeoutMs: number,
  ) {
    this.rank = env.rank;
    this.worldSize = env.worldSize;
    this.localRank = env.localRank;
    this.timeoutMs = timeoutMs;
    this.bucketSizeMb = args.bucketSizeMb ?? 25;
    const i = engine.info;
    this.engineDescription = `${i.name} ${i.version} (${i.transport})`;
  }

  get engineName(): EngineName {
    return this.engine.info.name;
  }

  /** Joins the group described by `env` on the engine `args.distParams` picks (all ranks must call this). */
  static async init(env: DistEnv, args: ProcessGroupArgs = {}): Promise<ProcessGroup> {
    if (args.bucketSizeMb !== undefined && !(args.bucketSizeMb > 0)) throw new Error(`bucket_size_mb must be > 0, got ${args.bucketSizeMb}`);
    const name = resolveBackend(args.distParams, args.launcher ?? 'pytorch');
    const timeoutMs = resolveTimeoutMs(args.distParams, args.timeoutMs);
    const rendezvousTimeoutMs = args.rendezvousTimeoutMs ?? envSeconds('DIST_RENDEZVOUS_TIMEOUT_S') ?? 300_000;
    const engine = await initEngine(env, { name, params: args.distParams, rendezvousTimeoutMs, timeoutMs });
    const pg = new ProcessGroup(env, engine, args, timeoutMs);
    const launcherPid = args.launcherPid ?? (process.env.FERMM_LAUNCHER_PID ? Number(process.env.FERMM_LAUNCHER_PID) : undefined);
    if (launcherPid) pg.watchLauncher(launcherPid);
    return pg;
  }

  /**
   * Our launcher spawns each rank in its own process group, so a SIGKILLed
   * launcher leaves them running: they stop when it is gone (the engines
   * cannot tell; their peers then see this rank's connections close).
   */
  private watchLauncher(pid: number): void {
    this.watch = setInterval(() => {
      try {
        process.kill(pid, 0);
      } catch {
        process.stderr.write(`rank ${this.rank}: the launcher (pid ${pid}) is gone; stopping\n`);
        process.exit(1);
      }
    }, 500);
    this.watch.unref();
  }

  // ---------------------------------------------------------------- numbering and errors

  private begin(op: OpName): number {
    if (this.aborted) throw this.aborted;
    if (this.closed) throw new DistError(`rank ${this.rank}: ${op} called after the process group was destroyed`);
    return ++this.seq;
  }

  /** The engine's error as a DistError naming this collective; the group is aborted. */
  private failure(seq: number, op: OpName, label: string | undefined, e: unknown): DistError {
    if (this.aborted) return this.aborted;
    const cause = e as Error & { timedOut?: boolean };
    const what = `#${seq} ${op}${label ? `('${label}')` : ''}`;
    const timedOut = cause.timedOut === true;
    const msg =
      `rank ${this.rank}: collective ${what} on ${this.engineName} ` +
      (timedOut
        ? `timed out after ${(this.timeoutMs / 1000).toFixed(1)} s (a rank did not arrive, or called different collectives): ${cause.message}`
        : `failed, another rank is gone: ${cause.message}`);
    // A lost peer means another rank failed first: this rank is not to blame (failedRank -1: "another rank").
    const err = new DistError(msg, timedOut ? undefined : -1);
    this.abort(err);
    return err;
  }

  private abort(err: DistError): void {
    if (this.aborted || this.closed) return;
    this.aborted = err;
    this.onAbort(err);
  }

  get abortError(): DistError | null {
    return this.aborted;
  }

  private async run<T>(op: OpName, label: string | undefined, call: () => Promise<T>): Promise<T> {
    const seq = this.begin(op);
    try {
      return await call();
    } catch (e) {
      throw this.failure(seq, op, label, e);
    }
  }

  private runSync<T>(op: OpName, label: string | undefined, call: () => T): T {
    const seq = this.begin(op);
    try {
      return call();
    } catch (e) {
      throw this.failure(seq, op, label, e);
    }
  }

  // ---------------------------------------------------------------- collectives

  /** Waits until every rank reaches a barrier. */
  barrier(label?: string): Promise<void> {
    return this.run('barrier', label, () => this.engine.barrierAsync());
  }

  /** Rank `src`'s value on every rank (structured-clone serialisation: typed arrays, Maps, ... survive). */
  async broadcastObject<T>(obj: T, src = 0): Promise<T> {
    if (src < 0 || src >= this.worldSize) throw new DistError(`broadcastObject: src ${src} is not a rank of a group of ${this.worldSize}`);
    // one all-gather in which only `src` brings bytes: no separate length exchange
    const payload = this.rank === src ? new Uint8Array(v8.serialize(obj)) : new Uint8Array(0);
    const parts = await this.run('broadcastObject', undefined, () => this.engine.allGatherAsync(payload));
    return v8.deserialize(parts[src]) as T;
  }

  /** Every rank's value, in rank order. */
  async allGatherObjects<T>(obj: T): Promise<T[]> {
    const payload = new Uint8Array(v8.serialize(obj));
    const parts = await this.run('allGatherObjects', undefined, () => this.engine.allGatherAsync(payload));
    return parts.map((b) => v8.deserialize(b) as T);
  }

  /** In-place all-reduce of `buf` (sum, or mean with `average`); every rank ends with the same values. */
  allReduce(buf: Float32Array, opts: { average?: boolean; label?: string } = {}): Promise<void> {
    return this.run('allReduce', opts.label, () => (this.worldSize > 1 ? this.engine.allReduceAsync(buf, opts.average ? 'mean' : 'sum') : Promise.resolve()));
  }

  /** In-place broadcast of `buf` from rank `src`. */
  broadcast(buf: Float32Array, src = 0, label?: string): Promise<void> {
    if (src < 0 || src >= this.worldSize) throw new DistError(`broadcast: src ${src} is not a rank of a group of ${this.worldSize}`);
    return this.run('broadcast', label, () => (this.worldSize > 1 ? this.engine.broadcastAsync(buf, src) : Promise.resolve()));
  }

  /**
   * Element-wise sum over all ranks, blocking the thread (SyncBatchNorm runs
   * inside synchronous tfjs gradients). float64 values travel as bytes through
   * the all-gather and are summed in rank order: identical on every rank.
   */
  allReduceSumSync(values: ArrayLike<number>, what = 'values'): Float64Array {
    const mine = Float64Array.from(values);
    const parts = this.runSync('syncSum', what, () => this.engine.allGather(bytesOf(mine)));
    const out = new Float64Array(mine.length);
    for (const p of parts) {
      if (p.byteLength !== mine.byteLength) {
        throw this.failure(this.seq, 'syncSum', what, new Error(`a rank contributed ${p.byteLength / 8} values, this rank ${mine.length}`));
      }
      const v = new Float64Array(p.buffer.slice(p.byteOffset, p.byteOffset + p.byteLength));
      for (let i = 0; i < out.length; i++) out[i] += v[i];
    }
    return out;
  }

  // ---------------------------------------------------------------- shutdown

  /**
   * This rank failed: leave the group so the others' collectives fail at once
   * (their connections to this rank close). Under MPI the rank's non-zero
   * exit makes mpirun stop the job instead.
   */
  async fail(message: string): Promise<void> {
    if (!this.aborted) this.abort(new DistError(`rank ${this.rank} failed: ${message}`, this.rank));
    await this.shutdown();
  }

  /** Clean leave: a final barrier, then the engine closes. */
  async destroy(): Promise<void> {
    if (this.closed) return;
    if (!this.aborted) await this.barrier('destroy');
    await this.shutdown();
  }

  /** Closes the engine without a final barrier (error paths). */
  async shutdown(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    if (this.watch) clearInterval(this.watch);
    // MPI_Finalize is collective: after a failure the process exits instead (mpirun stops the others)
    if (this.engineName === 'mpi' && this.aborted) return;
    this.engine.close();
  }
}
