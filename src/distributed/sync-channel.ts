/**
 * A blocking sum all-reduce of small vectors, for collectives that run inside
 * synchronous tfjs code (SyncBatchNorm's forward and gradient functions, where
 * no promise can be awaited). The sockets live in a worker thread
 * (`sync-worker.js`); the caller blocks in Atomics.wait until the sums arrive,
 * the deadline passes or a peer is lost. Every rank must make the same calls
 * in the same order with vectors of the same length.
 */
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { DistError } from './errors';
import { currentSyncChannel as currentReducer, type BlockingAllReduce } from '../nn/sync-reduce';

/** What the channel needs from the process group to meet its peers. */
export interface SyncChannelGroup {
  rank: number;
  worldSize: number;
  broadcastObject<T>(obj: T, src?: number): Promise<T>;
  barrier(label?: string): Promise<void>;
}

export class SyncChannel implements BlockingAllReduce {
  private seq = 0;
  private failure: string | null = null;

  private constructor(
    private readonly worker: Worker,
    readonly rank: number,
    readonly worldSize: number,
    readonly timeoutMs: number,
  ) {}

  /** Starts the worker thread on every rank and connects ranks > 0 to rank 0 (collective). */
  static async open(pg: SyncChannelGroup, bindAddr: string, timeoutMs: number): Promise<SyncChannel> {
    const worker = new Worker(path.join(__dirname, 'sync-worker.js'), { workerData: { rank: pg.rank, worldSize: pg.worldSize, bindAddr } });
    worker.unref();
    const ch = new SyncChannel(worker, pg.rank, pg.worldSize, timeoutMs);
    const next = (type: string) =>
      new Promise<string>((resolve, reject) => {
        const onMsg = (m: { type: string; endpoint?: string; message?: string }) => {
          if (m.type === type) {
            worker.off('message', onMsg);
            resolve(m.endpoint ?? '');
          } else if (m.type === 'failed') reject(new DistError(m.message ?? 'sync channel failed'));
        };
        worker.on('message', onMsg);
        worker.once('error', reject);
      });
    worker.on('message', (m: { type: string; message?: string }) => {
      if (m.type === 'failed') ch.failure = m.message ?? 'sync channel failed';
    });
    // listening before anything can connect: a message with no listener is lost
    const connected = next('connected');
    connected.catch(() => {});
    let endpoint = '';
    if (pg.rank === 0) {
      const ready = next('ready');
      worker.postMessage({ type: 'listen' });
      endpoint = await ready;
    }
    endpoint = await pg.broadcastObject(endpoint, 0);
    if (pg.rank > 0) worker.postMessage({ type: 'connect', endpoint });
    if (pg.rank > 0 || pg.worldSize > 1) await connected;
    await pg.barrier('sync-channel');
    return ch;
  }

  /** Element-wise sum over all ranks (float64 sums, identical on every rank). Blocks the thread. */
  allReduceSumSync(values: ArrayLike<number>, what = 'values'): Float64Array {
    return this.post(Float64Array.from(values), what).wait() as Float64Array;
  }

  /**
   * Starts a sum over all ranks without waiting (the worker thread sends while
   * this thread computes); `wait()` blocks until the sums are there. Float32
   * input is summed in float32 in rank order.
   */
  post(values: Float32Array | Float64Array, what: string, key?: number): PendingSum {
    if (this.failure) throw new DistError(`rank ${this.rank}: ${this.failure}`);
    // calls are matched across ranks by this number: blocking calls count up from 1, while
    // posts that may happen at different moments on different ranks bring their own key (>= 2^31)
    const seq = key ?? ++this.seq;
    const n = values.length;
    const sab = new SharedArrayBuffer(8 + Math.max(values.BYTES_PER_ELEMENT * n, 1024));
    this.worker.postMessage({ type: 'reduce', seq, sab, data: values });
    const Type = values instanceof Float32Array ? Float32Array : Float64Array;
    const ctrl = new Int32Array(sab, 0, 2);
    return {
      wait: () => {
        const res = Atomics.wait(ctrl, 0, 0, this.timeoutMs);
        if (res === 'timed-out') {
          this.failure = `sync all-reduce #${seq} (${what}) timed out after ${(this.timeoutMs / 1000).toFixed(1)} s waiting for the other rank(s)`;
          throw new DistError(`rank ${this.rank}: ${this.failure}`);
        }
        if (Atomics.load(ctrl, 0) === 2) {
          const msg = Buffer.from(new Uint8Array(sab, 8, ctrl[1])).toString('utf8');
          throw new DistError(`rank ${this.rank}: ${msg} (during ${what})`);
        }
        return new Type(sab as unknown as ArrayBuffer, 8, n).slice();
      },
    };
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(() => void this.worker.terminate().then(() => resolve()), 1000);
      this.worker.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
      this.worker.postMessage({ type: 'stop' });
    });
  }
}

/** A sum in flight; `wait()` blocks until every rank's part is summed. */
export interface PendingSum {
  wait(): Float32Array | Float64Array;
}

/** The process's channel, as installed for SyncBatchNorm (`src/nn/sync-reduce.ts` holds it). */
export function currentSyncChannel(): SyncChannel | null {
  const ch = currentReducer();
  return ch instanceof SyncChannel ? ch : null;
}
export { requestSyncChannel, setSyncChannel, syncChannelWanted } from '../nn/sync-reduce';
