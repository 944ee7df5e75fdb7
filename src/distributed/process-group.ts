/**
 * A process group over zeromq sockets (loopback or the addresses named by the
 * env contract only): rendezvous and small-object collectives go through rank
 * 0's ROUTER (a star), large Float32Array collectives (gradient all-reduce,
 * weight broadcast) go around a ring of PUSH/PULL sockets. Every collective
 * has a deadline; a heartbeat thread keeps a per-rank trace (collective name +
 * sequence number) so timeouts and aborts name the ranks that did not arrive.
 */
import * as dns from 'node:dns/promises';
import * as os from 'node:os';
import * as v8 from 'node:v8';
import * as zmq from 'zeromq';
import { DistEnv } from './env';
import { DistError, DistTimeoutError, OpName, RankTrace, formatTrace, ranksNotArrived } from './errors';
import { runCoordinator } from './coordinator';
import { AbortInfo, Heartbeat } from './heartbeat';
import { MessageQueue } from './queue';

/** Tunables of a process group; every field has a default. */
export interface ProcessGroupArgs {
  /** Deadline of every collective, ms (env DIST_TIMEOUT_S; default 1800 s like torch). */
  timeoutMs?: number;
  /** Deadline for all ranks to join, ms (default 300 s). */
  rendezvousTimeoutMs?: number;
  /** Heartbeat period, ms (default 500). */
  heartbeatIntervalMs?: number;
  /** Silence after which a rank is declared dead, ms (env DIST_LIVENESS_S; default 15 s). */
  livenessMs?: number;
  /** Time an aborted rank gets to exit on its own before it is killed, ms (default 8 s). */
  graceMs?: number;
  /** Bucket size of the ring all-reduce and broadcast, MB (default 25, like DDP). */
  bucketSizeMb?: number;
  /** Our launcher's pid (env FERMM_LAUNCHER_PID): ranks stop when it disappears. */
  launcherPid?: number;
}

type Frames = Buffer[];

function envMs(name: string): number | undefined {
  const v = process.env[name];
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!(n > 0)) throw new Error(`environment variable ${name}=${JSON.stringify(v)} must be a positive number of seconds`);
  return n * 1000;
}

async function resolveIp(host: string): Promise<string> {
  if (/^[\d.]+$/.test(host)) return host;
  if (host === 'localhost') return '127.0.0.1';
  return (await dns.lookup(host, { family: 4 })).address;
}

const mod = (a: number, n: number) => ((a % n) + n) % n;

/** 32-bit FNV-1a of a string (layout fingerprints). */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return (h >>> 0).toString(16);
}

/** Float32 view of a received frame (copies when the frame is misaligned). */
function asF32(b: Buffer): Float32Array {
  if (b.byteOffset % 4 === 0) return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
  return new Float32Array(new Uint8Array(b).buffer);
}

/** A private copy: zeromq may send after `send()` resolves, while we overwrite the source. */
function frameOf(a: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(a.byteLength);
  out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return out;
}

export class ProcessGroup {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  readonly timeoutMs: number;
  readonly bucketSizeMb: number;

  private seq = 0;
  private busy: string | null = null;
  private aborted: DistError | null = null;
  private closed = false;
  private router: zmq.Router | null = null;
  private dealer!: zmq.Dealer;
  private pull!: zmq.Pull;
  private push: zmq.Push | null = null;
  private readonly dealerQ = new MessageQueue<Frames>();
  private readonly ringQ = new MessageQueue<Frames>();
  private heartbeat!: Heartbeat;
  private readonly hb: Required<Pick<ProcessGroupArgs, 'heartbeatIntervalMs' | 'livenessMs' | 'graceMs' | 'rendezvousTimeoutMs'>>;
  /** Called once when the job is aborted (by another rank, a timeout or a lost peer). */
  onAbort: (err: DistError) => void = () => {};

  private constructor(readonly env: DistEnv, args: ProcessGroupArgs) {
    this.rank = env.rank;
    this.worldSize = env.worldSize;
    this.localRank = env.localRank;
    this.timeoutMs = args.timeoutMs ?? envMs('DIST_TIMEOUT_S') ?? 1800_000;
    this.bucketSizeMb = args.bucketSizeMb ?? 25;
    if (!(this.bucketSizeMb > 0)) throw new Error(`bucket_size_mb must be > 0, got ${this.bucketSizeMb}`);
    this.hb = {
      heartbeatIntervalMs: args.heartbeatIntervalMs ?? 500,
      livenessMs: args.livenessMs ?? envMs('DIST_LIVENESS_S') ?? 15_000,
      graceMs: args.graceMs ?? 8_000,
      rendezvousTimeoutMs: args.rendezvousTimeoutMs ?? envMs('DIST_RENDEZVOUS_TIMEOUT_S') ?? 300_000,
    };
  }

  /** Joins the group described by `env` (all ranks must call this). */
  static async init(env: DistEnv, args: ProcessGroupArgs = {}): Promise<ProcessGroup> {
    const pg = new ProcessGroup(env, args);
    const launcherPid = args.launcherPid ?? (process.env.FERMM_LAUNCHER_PID ? Number(process.env.FERMM_LAUNCHER_PID) : undefined);
    try {
      await pg.rendezvous(launcherPid);
    } catch (e) {
      await pg.close(0);
      throw e;
    }
    return pg;
  }

  private async rendezvous(launcherPid: number | undefined): Promise<void> {
    const { rank, worldSize } = this;
    const masterIp = await resolveIp(this.env.masterAddr);
    const bindIp = await resolveIp(this.env.bindAddr);
    this.heartbeat = new Heartbeat({
      rank,
      worldSize,
      bindAddr: rank === 0 ? masterIp : bindIp,
      intervalMs: this.hb.heartbeatIntervalMs,
      livenessMs: this.hb.livenessMs,
      graceMs: this.hb.graceMs,
      launcherPid,
    });
    this.heartbeat.onAbort = (info) => this.abortFrom(info);
    const monitorEp = await this.heartbeat.ready();
    const masterEp = `tcp://${masterIp}:${this.env.masterPort}`;
    if (rank === 0) {
      this.router = new zmq.Router({ linger: 2000 });
      try {
        await this.router.bind(masterEp);
      } catch (e) {
        throw new DistError(`rank 0 cannot bind the rendezvous socket ${masterEp} (MASTER_ADDR/MASTER_PORT): ${(e as Error).message}`);
      }
      void runCoordinator(this.router, this.worldSize, this.hb.rendezvousTimeoutMs, (err) => {
        if (!this.closed) this.dealerQ.fail(err);
      });
    }
    this.pull = new zmq.Pull({ linger: 0 });
    await this.pull.bind(`tcp://${bindIp}:*`);
    void this.receiveLoop(this.pull, this.ringQ);
    this.dealer = new zmq.Dealer({ routingId: `r${rank}`, linger: 2000 });
    this.dealer.connect(masterEp);
    void this.receiveLoop(this.dealer, this.dealerQ);

    this.setTrace(0, 'init', 'waiting');
    const hello = { type: 'hello', rank, worldSize, ring: this.pull.lastEndpoint, monitor: monitorEp, pid: process.pid, host: os.hostname() };
    await this.dealer.send([JSON.stringify(hello), Buffer.alloc(0)]);
    const [head] = await this.dealerQ.next(this.hb.rendezvousTimeoutMs, () =>
      new DistError(
        `rank ${rank} did not hear from the master ${masterEp} within ${this.hb.rendezvousTimeoutMs / 1000} s: ` +
          'is rank 0 running, and are MASTER_ADDR/MASTER_PORT/WORLD_SIZE the same on every rank?',
      ),
    );
    const welcome = JSON.parse(head.toString()) as { type: string; ring?: string[]; monitor?: string; message?: string };
    if (welcome.type === 'error') throw new DistError(welcome.message ?? 'rendezvous failed');
    const ring = welcome.ring!;
    this.heartbeat.connect(welcome.monitor!);
    this.heartbeat.started();
    if (worldSize > 1) {
      this.push = new zmq.Push({ linger: 0, sendTimeout: this.timeoutMs });
      this.push.connect(ring[(rank + 1) % worldSize]);
    }
    this.setTrace(0, 'init', 'done');
    // Every rank is connected to the master; check the ring too.
    await this.barrier('init');
    if (worldSize > 1) {
      const seq = this.begin('broadcast', 'ring-check');
      await this.ringSend({ seq, op: 'ring-check', step: 0 }, Buffer.alloc(0));
      await this.ringRecv(seq, 'ring-check', 0, 'ring-check');
      this.end(seq, 'broadcast');
    }
  }

  private async receiveLoop(sock: zmq.Dealer | zmq.Pull, q: MessageQueue<Frames>): Promise<void> {
    try {
      for await (const frames of sock) q.push(frames);
    } catch (e) {
      if (!this.closed) q.fail(new DistError(`rank ${this.rank}: socket failed: ${(e as Error).message}`));
    }
  }

  // ---------------------------------------------------------------- trace, timeouts, aborts

  private setTrace(seq: number, op: OpName, phase: 'idle' | 'waiting' | 'done'): void {
    this.heartbeat?.setTrace(seq, op, phase);
  }

  private begin(op: OpName, label?: string): number {
    if (this.aborted) throw this.aborted;
    if (this.closed) throw new DistError(`rank ${this.rank}: ${op} called after the process group was destroyed`);
    if (this.busy) throw new DistError(`rank ${this.rank}: ${op} called while ${this.busy} is still running; collectives must be awaited one at a time`);
    this.seq += 1;
    this.busy = `#${this.seq} ${op}${label ? `('${label}')` : ''}`;
    this.setTrace(this.seq, op, 'waiting');
    return this.seq;
  }

  private end(seq: number, op: OpName): void {
    this.busy = null;
    this.setTrace(seq, op, 'done');
  }

  /** Latest per-rank traces (as the master last saw them). */
  traces(): RankTrace[] {
    return this.heartbeat.table();
  }

  private timeoutError(seq: number, op: string, label: string | undefined, detail = ''): DistTimeoutError {
    const table = this.heartbeat.table();
    const missing = ranksNotArrived(table, seq, this.worldSize);
    const other = table.filter((t) => t.seq === seq && t.op !== op && t.op !== 'none');
    const what = `#${seq} ${op}${label ? `('${label}')` : ''}`;
    let msg = `rank ${this.rank}: collective ${what} timed out after ${(this.timeoutMs / 1000).toFixed(1)} s${detail}. `;
    msg += missing.length ? `Rank(s) that did not arrive: ${missing.join(', ')}.` : 'Every rank reached this sequence number.';
    if (other.length) msg += ` Ranks called different collectives at #${seq}: ${other.map((t) => `rank ${t.rank} ${t.op}`).join(', ')} vs ${op} here.`;
    msg += `\nLast collective per rank:\n  ${table.map(formatTrace).join('\n  ')}`;
    const err = new DistTimeoutError(msg, missing, table);
    // A timed-out group cannot be trusted: stop every rank.
    this.abort(err);
    void this.heartbeat.fail(err.message);
    return err;
  }

  private abortFrom(info: AbortInfo): void {
    const table = info.table.length ? `\nLast collective per rank:\n  ${info.table.map(formatTrace).join('\n  ')}` : '';
    this.abort(new DistError(`rank ${this.rank}: job aborted: ${info.message}${table}`, info.failedRank));
  }

  private abort(err: DistError): void {
    if (this.aborted || this.closed) return;
    this.aborted = err;
    this.dealerQ.fail(err);
    this.ringQ.fail(err);
    this.onAbort(err);
  }

  get abortError(): DistError | null {
    return this.aborted;
  }

  // ---------------------------------------------------------------- object collectives (star)

  private async objectCollective(op: OpName, payload: Buffer, label?: string, src = 0): Promise<Buffer[]> {
    const seq = this.begin(op, label);
    await this.dealer.send([JSON.stringify({ type: 'coll', rank: this.rank, seq, op, src }), payload]);
    const [head, ...body] = await this.dealerQ.next(this.timeoutMs, () => this.timeoutError(seq, op, label));
    const h = JSON.parse(head.toString()) as { type: string; seq: number; message?: string };
    if (h.type === 'error') {
      const err = new DistError(`rank ${this.rank}: ${h.message}`);
      this.abort(err);
      throw err;
    }
    if (h.seq !== seq) throw new DistError(`rank ${this.rank}: reply for collective #${h.seq} while waiting for #${seq} ${op}`);
    this.end(seq, op);
    return body;
  }

  /** Waits until every rank reaches the same barrier. */
  async barrier(label?: string): Promise<void> {
    await this.objectCollective('barrier', Buffer.alloc(0), label);
  }

  /** Rank `src`'s value on every rank (structured-clone serialisation: typed arrays, Maps, ... survive). */
  async broadcastObject<T>(obj: T, src = 0): Promise<T> {
    if (src < 0 || src >= this.worldSize) throw new DistError(`broadcastObject: src ${src} is not a rank of a group of ${this.worldSize}`);
    const payload = this.rank === src ? v8.serialize(obj) : Buffer.alloc(0);
    const [body] = await this.objectCollective('broadcastObject', payload, undefined, src);
    return v8.deserialize(body) as T;
  }

  /** Every rank's value, in rank order. */
  async allGatherObjects<T>(obj: T): Promise<T[]> {
    const parts = await this.objectCollective('allGatherObjects', v8.serialize(obj));
    return parts.map((b) => v8.deserialize(b) as T);
  }

  // ---------------------------------------------------------------- ring collectives

  private async ringSend(header: object, payload: Buffer): Promise<void> {
    try {
      await this.push!.send([JSON.stringify(header), payload]);
    } catch (e) {
      if (this.aborted) throw this.aborted;
      throw new DistError(`rank ${this.rank}: sending to rank ${(this.rank + 1) % this.worldSize} failed: ${(e as Error).message}`);
    }
  }

  private async ringRecv(seq: number, op: string, step: number, label?: string, expect?: { key: string; what: string }): Promise<Buffer> {
    const prev = mod(this.rank - 1, this.worldSize);
    const [head, payload] = await this.ringQ.next(this.timeoutMs, () =>
      this.timeoutError(seq, op === 'ring-check' ? 'broadcast' : op, label, ` waiting for rank ${prev} (step ${step})`),
    );
    const h = JSON.parse(head.toString()) as { seq: number; op: string; step: number; key?: string };
    if (expect && h.seq === seq && h.op === op && h.key !== expect.key) {
      const err = new DistError(
        `rank ${this.rank}: ${op} #${seq}: rank ${prev} contributes a different buffer (length:layout-hash ${h.key} vs ${expect.key} here; ` +
          `this rank has ${expect.what})`,
      );
      this.abort(err);
      void this.heartbeat.fail(err.message);
      throw err;
    }
    if (h.seq !== seq || h.op !== op || h.step !== step) {
      const err = new DistError(
        `rank ${this.rank}: collective mismatch: expected #${seq} ${op} step ${step} from rank ${prev} but received #${h.seq} ${h.op} step ${h.step}; ` +
          'every rank must call the same collectives in the same order',
      );
      this.abort(err);
      void this.heartbeat.fail(err.message);
      throw err;
    }
    return payload ?? Buffer.alloc(0);
  }

  private bucketElems(): number {
    return Math.max(this.worldSize, Math.floor((this.bucketSizeMb * 1024 * 1024) / 4));
  }

  /**
   * In-place all-reduce of `buf` (sum, or mean with `average`), in buckets of
   * `bucketSizeMb`, by ring reduce-scatter + all-gather. Every rank ends with
   * bit-identical values. `layoutKey` (optional) must be equal on all ranks.
   */
  async allReduce(buf: Float32Array, opts: { average?: boolean; layoutKey?: string; label?: string } = {}): Promise<void> {
    const seq = this.begin('allReduce', opts.label);
    const W = this.worldSize;
    if (W > 1) {
      const per = this.bucketElems();
      // Every message carries length + layout hash: a rank with a different buffer is an error, not garbage.
      const key = `${buf.length}:${fnv1a(opts.layoutKey ?? '')}`;
      const expect = { key, what: `length ${buf.length}${opts.layoutKey ? ` and gradient layout ${opts.layoutKey.slice(0, 120)}` : ''}` };
      let step = 0;
      const buckets = Math.max(1, Math.ceil(buf.length / per));
      for (let bi = 0; bi < buckets; bi++) {
        const bucket = buf.subarray(bi * per, Math.min(buf.length, (bi + 1) * per));
        const n = bucket.length;
        const seg = (k: number) => bucket.subarray(Math.floor((k * n) / W), Math.floor(((k + 1) * n) / W));
        for (let s = 0; s < W - 1; s++) {
          const [, got] = await Promise.all([
            this.ringSend({ seq, op: 'allReduce', step, key }, frameOf(seg(mod(this.rank - s, W)))),
            this.ringRecv(seq, 'allReduce', step, opts.label, expect),
          ]);
          step++;
          const into = seg(mod(this.rank - s - 1, W));
          const add = asF32(got);
          for (let i = 0; i < into.length; i++) into[i] += add[i];
        }
        for (let s = 0; s < W - 1; s++) {
          const [, got] = await Promise.all([
            this.ringSend({ seq, op: 'allReduce', step, key }, frameOf(seg(mod(this.rank + 1 - s, W)))),
            this.ringRecv(seq, 'allReduce', step, opts.label, expect),
          ]);
          step++;
          seg(mod(this.rank - s, W)).set(asF32(got));
        }
      }
      if (opts.average) for (let i = 0; i < buf.length; i++) buf[i] /= W;
    }
    this.end(seq, 'allReduce');
  }

  /** In-place broadcast of `buf` from rank `src`, pipelined along the ring in buckets. */
  async broadcast(buf: Float32Array, src = 0, label?: string): Promise<void> {
    if (src < 0 || src >= this.worldSize) throw new DistError(`broadcast: src ${src} is not a rank of a group of ${this.worldSize}`);
    const seq = this.begin('broadcast', label);
    const W = this.worldSize;
    if (W > 1) {
      const per = this.bucketElems();
      const next = (this.rank + 1) % W;
      let step = 0;
      const header = Buffer.from(String(buf.length));
      if (this.rank !== src) {
        const theirs = (await this.ringRecv(seq, 'broadcast', step, label)).toString();
        if (theirs !== String(buf.length)) {
          const err = new DistError(`rank ${this.rank}: broadcast #${seq}: rank ${src} sends ${theirs} values but this rank expects ${buf.length}`);
          this.abort(err);
          void this.heartbeat.fail(err.message);
          throw err;
        }
      }
      if (next !== src) await this.ringSend({ seq, op: 'broadcast', step }, header);
      step++;
      for (let b0 = 0; b0 < buf.length; b0 += per, step++) {
        const chunk = buf.subarray(b0, Math.min(buf.length, b0 + per));
        if (this.rank !== src) chunk.set(asF32(await this.ringRecv(seq, 'broadcast', step, label)));
        if (next !== src) await this.ringSend({ seq, op: 'broadcast', step }, frameOf(chunk));
      }
    }
    this.end(seq, 'broadcast');
  }

  // ---------------------------------------------------------------- shutdown

  /** Tells every rank that this one failed (they abort with `message`). */
  async fail(message: string): Promise<void> {
    if (this.closed) return;
    if (!this.aborted) this.abort(new DistError(`rank ${this.rank} failed: ${message}`, this.rank));
    await this.heartbeat.fail(message);
  }

  /** Clean leave: a final barrier, then sockets and the heartbeat thread close. */
  async destroy(): Promise<void> {
    if (this.closed) return;
    if (!this.aborted) {
      await this.barrier('destroy');
      await this.heartbeat.bye();
    }
    await this.close(this.aborted ? 0 : 1000);
  }

  /** Closes sockets and the heartbeat thread without a final barrier (error paths). */
  async shutdown(): Promise<void> {
    if (!this.closed) await this.close(0);
  }

  private async close(lingerMs: number): Promise<void> {
    this.closed = true;
    for (const s of [this.router, this.dealer, this.pull, this.push]) {
      if (!s || s.closed) continue;
      s.linger = lingerMs;
      s.close();
    }
    this.dealerQ.fail(new DistError('process group closed'));
    this.ringQ.fail(new DistError('process group closed'));
    if (this.heartbeat) await this.heartbeat.stop();
  }
}
