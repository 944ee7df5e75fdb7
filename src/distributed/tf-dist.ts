/**
 * The runner's DistContext on top of a {@link ProcessGroup}: tensors in and
 * out, Float32Array over the wire. Gradients are averaged like DDP (sum /
 * world size, missing gradients zero-filled so the all-reduce is symmetric);
 * weights and BN buffers are broadcast from rank 0. Plain BN statistics stay
 * per rank; SyncBatchNorm sums them through the process group's blocking
 * engine call (installed by initDist). `syncBuffers` copies rank 0's buffers
 * before evaluation, like mmcv's `broadcast_bn_buffer`.
 */
import type { tf } from '../tf';
import { collectResults, collectResultsByIndex } from './collect';
import { DistError } from './errors';
import { ProcessGroup } from './process-group';
import { OverlapReducer } from './overlap';

/** DIST_OVERLAP=1: gradient buckets are summed while the backward pass runs (see overlap.ts). */
export function overlapRequested(env: Record<string, string | undefined> = process.env): boolean {
  const v = env.DIST_OVERLAP;
  if (v === undefined || v === '' || v === '0') return false;
  if (v === '1') return true;
  throw new DistError(`environment variable DIST_OVERLAP=${JSON.stringify(v)} must be 0 or 1`);
}

/** The parts of a model the dist context reads (the Module layer satisfies it). */
export type { DistModel } from '../contracts/dist';
import type { DistModel } from '../contracts/dist';

interface Slot {
  name: string;
  shape: number[];
  size: number;
}

// tfjs is loaded on first use: processes that only need the process group start faster.
let tfRuntime: typeof tf | null = null;
function tfx(): typeof tf {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (tfRuntime ??= (require('../tf') as { tf: typeof tf }).tf);
}

function signature(vars: Array<[string, tf.Variable]>): string {
  return vars.map(([n, v]) => `${n}:${v.dtype}[${v.shape.join(',')}]`).join(';');
}

/** Bit-exact float32 view of a variable's values (int32 buffers are carried as raw bits). */
function valuesAsF32(v: tf.Variable): Float32Array {
  const d = v.dataSync();
  if (d instanceof Float32Array) return d;
  if (d instanceof Int32Array) return new Float32Array(d.buffer, d.byteOffset, d.length);
  throw new DistError(`cannot broadcast variable ${v.name} of dtype ${v.dtype}`);
}

export class TfDist {
  /** Trainable parameter layout from `broadcastWeights` (fixed order on every rank). */
  private layout: Slot[] | null = null;
  private flat: Float32Array | null = null;
  private overlap: OverlapReducer | null = null;
  /** The gradient layout last checked equal on every rank (no model from broadcastWeights). */
  private checkedLayout: string | null = null;

  constructor(readonly pg: ProcessGroup) {}

  get rank(): number {
    return this.pg.rank;
  }
  get worldSize(): number {
    return this.pg.worldSize;
  }
  get localRank(): number {
    return this.pg.localRank;
  }
  /** The collective engine and its library version, e.g. `gloo 0.0.0 (tcp)`. */
  get engine(): string {
    return this.pg.engineDescription;
  }

  barrier(label?: string): Promise<void> {
    return this.pg.barrier(label);
  }
  allGatherObjects<T>(obj: T): Promise<T[]> {
    return this.pg.allGatherObjects(obj);
  }
  broadcastObject<T>(obj: T, src = 0): Promise<T> {
    return this.pg.broadcastObject(obj, src);
  }

  /** mmcv `sync_random_seed`: rank 0's seed (random when not given) on every rank. */
  async syncRandomSeed(seed?: number | null): Promise<number> {
    const mine = seed ?? Math.floor(Math.random() * 2 ** 31);
    return this.pg.broadcastObject(mine);
  }

  /** Results of every rank's shard in dataset order, padding dropped (see collect.ts). */
  collectResults<T>(part: T[], size: number): Promise<T[]> {
    return collectResults(this.pg, part, size);
  }
  collectResultsByIndex<T>(part: Array<[number, T]>, size: number): Promise<T[]> {
    return collectResultsByIndex(this.pg, part, size);
  }

  /** Checks that every rank has the same variables, naming the first difference. */
  private async checkSameVars(vars: Array<[string, tf.Variable]>, what: string): Promise<void> {
    const sigs = await this.pg.allGatherObjects(signature(vars));
    const bad = sigs.findIndex((s) => s !== sigs[0]);
    if (bad < 0) return;
    const a = new Set(sigs[0].split(';'));
    const b = new Set(sigs[bad].split(';'));
    const onlyA = [...a].filter((x) => !b.has(x)).slice(0, 5);
    const onlyB = [...b].filter((x) => !a.has(x)).slice(0, 5);
    throw new DistError(
      `${what}: rank ${bad}'s model differs from rank 0's (only on rank 0: ${onlyA.join(', ') || '-'}; only on rank ${bad}: ${onlyB.join(', ') || '-'})`,
    );
  }

  private async broadcastVars(vars: Array<[string, tf.Variable]>, label: string): Promise<void> {
    let total = 0;
    for (const [, v] of vars) total += v.size;
    const buf = new Float32Array(total);
    if (this.rank === 0) {
      let off = 0;
      for (const [, v] of vars) {
        buf.set(valuesAsF32(v), off);
        off += v.size;
      }
    }
    await this.pg.broadcast(buf, 0, label);
    if (this.rank === 0) return;
    let off = 0;
    for (const [, v] of vars) {
      const part = buf.slice(off, off + v.size);
      off += v.size;
      const T = tfx();
      T.tidy(() => {
        const t = v.dtype === 'int32' ? T.tensor(new Int32Array(part.buffer), v.shape, 'int32') : T.tensor(part, v.shape, 'float32');
        v.assign(t);
      });
    }
  }

  /**
   * Copies rank 0's parameters and buffers into every rank (DDP's initial
   * broadcast) and fixes the gradient layout used by `allReduceMeanGrads`.
   */
  async broadcastWeights(model: DistModel): Promise<void> {
    const params = model.namedParameters();
    const buffers = model.namedBuffers ? model.namedBuffers() : [];
    const all = [...params, ...buffers];
    await this.checkSameVars(all, 'broadcastWeights');
    const overlap = overlapRequested();
    const trainable = params.filter(([, v]) => v.trainable);
    this.layout = trainable.map(([name, v]) => ({ name, shape: v.shape, size: v.size }));
    this.overlap?.close();
    this.overlap = overlap
      ? new OverlapReducer(this.pg, trainable.map(([name, v]) => ({ name, variableName: v.name, shape: v.shape, size: v.size })), this.pg.bucketSizeMb)
      : null;
    await this.broadcastVars(all, 'weights');
  }

  /** Rank 0's BN running statistics (all buffers) on every rank: call before evaluation. */
  async syncBuffers(model: DistModel): Promise<void> {
    const buffers = model.namedBuffers ? model.namedBuffers() : [];
    await this.checkSameVars(buffers, 'syncBuffers');
    if (buffers.length) await this.broadcastVars(buffers, 'buffers');
  }

  /**
   * Mean of the gradients over all ranks (returns new tensors; the caller
   * disposes the inputs). With a layout from `broadcastWeights`, a parameter
   * without a gradient on some rank counts as zero there (DDP semantics) and is
   * returned if any rank had a gradient for it.
   */
  async allReduceMeanGrads(grads: Record<string, tf.Tensor>): Promise<Record<string, tf.Tensor>> {
    if (this.overlap) return this.overlap.finish(grads, tfx());
    let layout = this.layout;
    let layoutKey: string | undefined;
    if (layout) {
      const known = new Set(layout.map((s) => s.name));
      const unknown = Object.keys(grads).filter((k) => !known.has(k));
      if (unknown.length) throw new DistError(`allReduceMeanGrads: gradient(s) for ${unknown.slice(0, 5).join(', ')} are not trainable parameters of the model given to broadcastWeights`);
    } else {
      // No model registered: every rank must bring the same gradient set.
      layout = Object.keys(grads)
        .sort()
        .map((name) => ({ name, shape: grads[name].shape, size: grads[name].size }));
      layoutKey = layout.map((s) => `${s.name}[${s.shape.join(',')}]`).join(';');
    }
    let total = 0;
    for (const s of layout) total += s.size;
    const n = total + layout.length; // values, then one presence flag per parameter
    if (!this.flat || this.flat.length !== n) this.flat = new Float32Array(n);
    const flat = this.flat;
    let off = 0;
    for (let i = 0; i < layout.length; i++) {
      const s = layout[i];
      const g = grads[s.name];
      if (g) {
        if (g.size !== s.size) throw new DistError(`allReduceMeanGrads: gradient ${s.name} has shape [${g.shape}] but the parameter has [${s.shape}]`);
        flat.set((await g.data()) as Float32Array, off);
        flat[total + i] = 1;
      } else {
        flat.fill(0, off, off + s.size);
        flat[total + i] = 0;
      }
      off += s.size;
    }
    if (layoutKey !== undefined) await this.checkSameGradients(layoutKey);
    // the engine divides the sums by the world size (DDP's mean); a presence flag stays > 0 where any rank had a gradient
    await this.pg.allReduce(flat, { average: true, label: 'grads' });
    const out: Record<string, tf.Tensor> = {};
    off = 0;
    for (let i = 0; i < layout.length; i++) {
      const s = layout[i];
      if (flat[total + i] > 0) out[s.name] = tfx().tensor(flat.slice(off, off + s.size), s.shape, 'float32');
      off += s.size;
    }
    return out;
  }

  fail(message: string): Promise<void> {
    return this.pg.fail(message);
  }

  async destroy(): Promise<void> {
    this.overlap?.close();
    this.overlap = null;
    await this.pg.destroy();
  }

  /** Without a model from broadcastWeights, every rank must bring the same gradients: checked once per layout. */
  private async checkSameGradients(layoutKey: string): Promise<void> {
    if (this.checkedLayout === layoutKey) return;
    const keys = await this.pg.allGatherObjects(layoutKey);
    const bad = keys.findIndex((k) => k !== layoutKey);
    if (bad >= 0) throw new DistError(`allReduceMeanGrads: rank ${bad} brings gradients ${keys[bad].slice(0, 200)} but rank ${this.rank} brings ${layoutKey.slice(0, 200)}`);
    this.checkedLayout = layoutKey;
  }
}
