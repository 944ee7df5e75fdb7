/**
 * Main-thread side of the heartbeat thread (`heartbeat-worker.js`): shares the
 * trace through a SharedArrayBuffer, keeps the latest table of all ranks'
 * traces and forwards aborts.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { OP_NAMES, OpName, RankTrace, TracePhase, encodeTrace } from './errors';

export interface HeartbeatOptions {
  rank: number;
  worldSize: number;
  bindAddr: string;
  intervalMs: number;
  livenessMs: number;
  graceMs: number;
  /** pid of our own launcher: the rank stops when it disappears (no orphans). */
  launcherPid?: number;
}

export interface AbortInfo {
  message: string;
  failedRank?: number;
  table: RankTrace[];
}

export class Heartbeat {
  private readonly worker: Worker;
  private readonly trace = new Int32Array(new SharedArrayBuffer(16));
  private latest: RankTrace[] = [];
  private readyEndpoint: Promise<string | null>;
  private pendingAcks = new Map<string, Array<() => void>>();
  onAbort: (info: AbortInfo) => void = () => {};

  constructor(private readonly opts: HeartbeatOptions) {
    this.worker = new Worker(path.join(__dirname, 'heartbeat-worker.js'), {
      workerData: {
        ...opts,
        traceSab: this.trace.buffer,
        opNames: OP_NAMES,
        host: os.hostname(),
        pid: process.pid,
      },
      // The thread must not inherit tsx/jest loaders: it is plain JS.
      execArgv: [],
      stdout: false,
      stderr: false,
    });
    this.worker.unref();
    this.readyEndpoint = new Promise((resolve, reject) => {
      this.worker.once('error', reject);
      this.worker.on('message', (m: { type: string; endpoint?: string | null; table?: RankTrace[]; message?: string; failedRank?: number }) => {
        if (m.type === 'ready') resolve(m.endpoint ?? null);
        else if (m.type === 'table' && m.table) this.latest = m.table;
        else if (m.type === 'abort') this.onAbort({ message: m.message ?? 'aborted', failedRank: m.failedRank, table: m.table?.length ? m.table : this.latest });
        else {
          const acks = this.pendingAcks.get(m.type);
          if (acks) for (const a of acks.splice(0)) a();
        }
      });
    });
    this.worker.on('error', (e) => this.onAbort({ message: `heartbeat thread failed: ${e.message}`, failedRank: opts.rank, table: this.latest }));
  }

  /** Rank 0: the monitor endpoint to announce; others: null. */
  ready(): Promise<string | null> {
    return this.readyEndpoint;
  }

  connect(endpoint: string): void {
    this.worker.postMessage({ type: 'connect', endpoint });
  }

  started(): void {
    this.worker.postMessage({ type: 'started' });
  }

  setTrace(seq: number, op: OpName, phase: TracePhase): void {
    encodeTrace(this.trace, seq, op, phase);
  }

  /** Latest traces of all ranks as seen by the master (up to one interval old). */
  table(): RankTrace[] {
    return this.latest;
  }

  private request(type: string, ack: string, extra: object, timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      const list = this.pendingAcks.get(ack) ?? [];
      list.push(() => {
        clearTimeout(t);
        resolve();
      });
      this.pendingAcks.set(ack, list);
      this.worker.postMessage({ type, ...extra });
    });
  }

  /** Reports this rank's error to every rank (through the master). */
  fail(message: string): Promise<void> {
    return this.request('fail', 'failSent', { message }, 2000);
  }

  /** Clean leave: the master stops watching this rank. */
  bye(timeoutMs = 10_000): Promise<void> {
    return this.request('bye', 'byeSent', { timeoutMs }, timeoutMs + 1000);
  }

  async stop(): Promise<void> {
    this.worker.postMessage({ type: 'stop' });
    await new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        void this.worker.terminate().then(() => resolve());
      }, 2000);
      this.worker.once('exit', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}
