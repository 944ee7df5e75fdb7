/**
 * Communication overlapped with the backward pass, like DDP's gradient
 * buckets: parameters are grouped (in reverse registration order, roughly the
 * order the backward finishes them) into buckets of `bucketMb`; the backward
 * walk reports each finished gradient (`setGradReadyListener`), and a full
 * bucket is posted to the engine's asynchronous all-reduce, which sums it
 * over the ranks off the JS thread while the backward keeps computing. The
 * engine matches collectives by call order, so buckets are posted strictly in
 * bucket order on every rank (a full bucket waits for the ones before it).
 * What is left (parameters read more than once, missing gradients) is filled
 * in when the step's gradients are handed over, and the caller then awaits
 * the sums. Each bucket carries its values, then one presence flag per slot.
 */
import type { tf } from '../tf';
import { setGradReadyListener } from '../nn/tape-release';
import { DistError } from './errors';

/** The one collective the overlap needs: an in-place sum started at once, awaited later. */
export interface BucketReducer {
  allReduce(buf: Float32Array, opts: { average?: boolean; label?: string }): Promise<void>;
}

export interface OverlapSlot {
  name: string;
  variableName: string;
  shape: number[];
  size: number;
}

interface Bucket {
  slots: number[];
  /** Values of the bucket's slots, then one presence flag per slot. */
  buf: Float32Array;
  offsets: number[];
  filled: number;
  pending: Promise<void> | null;
}

/** Time one rank spent blocked on gradient sums (ms), for the benchmark. */
export const overlapStats = { waitMs: 0, steps: 0, earlySlots: 0, redone: 0 };

export class OverlapReducer {
  private readonly buckets: Bucket[] = [];
  private readonly where = new Map<string, { bucket: number; index: number }>();
  private readonly byName = new Map<string, number>();
  private filled: boolean[];
  /** The gradient tensor each early slot was filled from: finish() checks it is the one handed over. */
  private readonly reported = new Map<number, tf.Tensor>();
  private active = false;
  /** Buckets posted this step (always a prefix: 0 .. posted-1). */
  private posted = 0;

  constructor(
    private readonly group: BucketReducer,
    private readonly slots: OverlapSlot[],
    bucketMb: number,
  ) {
    const cap = Math.max(1, Math.floor((bucketMb * 1024 * 1024) / 4));
    if (slots.length > 1024 * 1024) throw new DistError('overlapped all-reduce: too many parameters');
    let cur: number[] = [];
    let size = 0;
    const close = () => {
      if (cur.length) this.buckets.push(this.makeBucket(cur));
      cur = [];
      size = 0;
    };
    for (let i = slots.length - 1; i >= 0; i--) {
      if (size > 0 && size + slots[i].size > cap) close();
      cur.push(i);
      size += slots[i].size;
    }
    close();
    if (this.buckets.length > 1024) throw new DistError(`overlapped all-reduce: ${this.buckets.length} buckets; raise bucket_size_mb (at most 1024 buckets)`);
    this.buckets.forEach((b, bi) => b.slots.forEach((s, k) => this.where.set(slots[s].variableName, { bucket: bi, index: k })));
    slots.forEach((s, i) => this.byName.set(s.name, i));
    this.filled = new Array(slots.length).fill(false);
    setGradReadyListener((variableName, grad) => this.onReady(variableName, grad));
  }

  get bucketCount(): number {
    return this.buckets.length;
  }

  private makeBucket(slots: number[]): Bucket {
    const offsets: number[] = [];
    let off = 0;
    for (const s of slots) {
      offsets.push(off);
      off += this.slots[s].size;
    }
    return { slots, buf: new Float32Array(off + slots.length), offsets, filled: 0, pending: null };
  }

  private put(bi: number, k: number, values: Float32Array | null): void {
    const b = this.buckets[bi];
    const slot = this.slots[b.slots[k]];
    const valuesEnd = b.buf.length - b.slots.length;
    if (values) {
      if (values.length !== slot.size) throw new DistError(`overlapped all-reduce: gradient ${slot.name} has ${values.length} values, the parameter ${slot.size}`);
      b.buf.set(values, b.offsets[k]);
      b.buf[valuesEnd + k] = 1;
    } else {
      b.buf.fill(0, b.offsets[k], b.offsets[k] + slot.size);
      b.buf[valuesEnd + k] = 0;
    }
    this.filled[b.slots[k]] = true;
    b.filled++;
    this.postReady();
  }

  /** Posts the full buckets that follow the last posted one, in bucket order. */
  private postReady(): void {
    while (this.posted < this.buckets.length) {
      const b = this.buckets[this.posted];
      if (b.filled < b.slots.length) return;
      // the mean over ranks, as allReduceMeanGrads takes it: presence flags stay > 0 where any rank had a gradient
      b.pending = this.group.allReduce(b.buf, { average: true, label: `gradient bucket ${this.posted}` });
      b.pending.catch(() => {}); // awaited in finish(); no unhandled rejection meanwhile
      this.posted++;
    }
  }

  private onReady(variableName: string, grad: tf.Tensor): void {
    const at = this.where.get(variableName);
    if (!at) return; // not a parameter of the model given to broadcastWeights
    const slot = this.buckets[at.bucket].slots[at.index];
    if (this.filled[slot]) return; // a second backward in one step (gradients of gradients): left to finish()
    this.active = true;
    overlapStats.earlySlots++;
    this.reported.set(slot, grad);
    this.put(at.bucket, at.index, grad.dataSync() as Float32Array);
  }

  /**
   * The step's mean gradients (new tensors, like `allReduceMeanGrads`): fills
   * the slots the backward did not report, posts the rest and waits.
   */
  async finish(grads: Record<string, tf.Tensor>, T: typeof tf): Promise<Record<string, tf.Tensor>> {
    for (const k of Object.keys(grads)) {
      if (!this.byName.has(k)) throw new DistError(`allReduceMeanGrads: gradient for ${k} is not a trainable parameter of the model given to broadcastWeights`);
    }
    try {
      const fill = () =>
        this.buckets.forEach((b, bi) =>
          b.slots.forEach((s, k) => {
            if (!this.filled[s]) this.put(bi, k, grads[this.slots[s].name] ? (grads[this.slots[s].name].dataSync() as Float32Array) : null);
          }),
        );
      fill();
      const t0 = Date.now();
      const sumAll = async () => {
        await Promise.all(this.buckets.map((b) => b.pending!));
        return this.buckets.map((b) => b.buf);
      };
      let sums = await sumAll();
      // Gradients reported by a backward pass whose result is not what was handed over (accumulated
      // over several backward passes, or another gradient computation in between): sum again from
      // what was handed over. Every rank runs the same hooks, so every rank takes this path.
      const stale = [...this.reported].some(([slot, t]) => grads[this.slots[slot].name] !== t);
      if (stale) {
        overlapStats.redone++;
        this.reset();
        fill();
        sums = await sumAll();
      }
      overlapStats.waitMs += Date.now() - t0;
      overlapStats.steps++;
      const out: Record<string, tf.Tensor> = {};
      this.buckets.forEach((b, bi) => {
        const valuesEnd = b.buf.length - b.slots.length;
        b.slots.forEach((s, k) => {
          if (!(sums[bi][valuesEnd + k] > 0)) return;
          out[this.slots[s].name] = T.tensor(sums[bi].slice(b.offsets[k], b.offsets[k] + this.slots[s].size), this.slots[s].shape, 'float32');
        });
      });
      return out;
    } finally {
      this.reset();
    }
  }

  private reset(): void {
    this.active = false;
    this.reported.clear();
    this.posted = 0;
    this.filled.fill(false);
    for (const b of this.buckets) {
      b.filled = 0;
      b.pending = null;
    }
  }

  /** True once the backward of the current step reported a gradient. */
  get started(): boolean {
    return this.active;
  }

  close(): void {
    setGradReadyListener(null);
  }
}
