/**
 * `top_pool` of the official code (mmcls/models/utils/top_pool.py), restated
 * for a port (spec §3.3). The model computes the kept-token indices on the
 * device (`topPoolIndicesTensor`: TopK, off the gradient tape, as tfjs has no
 * TopK gradient) and gathers the rows (`gatherTokens`; the wasm backend gets
 * a working batched GatherV2 and UnsortedSegmentSum from
 * src/backend/wasm-kernels), so a training step never waits for the device
 * to hand indices back. `topPoolIndices` is the same rule in plain JS, the
 * reference the tests hold the device version to; `KeptIndices` reads the
 * chosen indices back only when asked (tests, tools/vis-tokens.ts).
 */
import { tf } from 'fer-mm';

export interface TopPoolConfig {
  /** Absolute number of tokens to keep (wins over keep_rate). */
  keepNum?: number | null;
  /** Fraction of the ranked tokens to keep: keep = max(trunc(N·rate), 1). */
  keepRate?: number | null;
  /** Never rank position 0 (the CLS token); it is always kept, first. */
  excludeFirst: boolean;
}

/**
 * How many of `n` ranked tokens are kept, or null when nothing is pooled
 * (keep == n). Double multiplication then truncation, as Python's `int(n*rate)`.
 */
export function keepCount(n: number, cfg: TopPoolConfig): number | null {
  let k: number;
  if (cfg.keepNum !== undefined && cfg.keepNum !== null) k = cfg.keepNum;
  else if (cfg.keepRate !== undefined && cfg.keepRate !== null) k = Math.max(Math.trunc(n * cfg.keepRate), 1);
  else throw new Error('top_pool: one of keep_num / keep_rate is required');
  if (!Number.isInteger(k) || k < 1) throw new Error(`top_pool: keep count must be a positive integer, got ${k}`);
  if (k > n) throw new Error(`top_pool: cannot keep ${k} of ${n} tokens`);
  return k === n ? null : k;
}

/**
 * Kept indices per sample for `scores` laid out [B, N] row-major: the `k`
 * largest scores (a stable descending sort, so the lower index wins ties),
 * listed in ascending token order. With `excludeFirst` position 0 is not
 * ranked and is always returned first. Returns null when nothing is pooled.
 */
export function topPoolIndices(scores: ArrayLike<number>, batch: number, n: number, cfg: TopPoolConfig): number[][] | null {
  if (scores.length !== batch * n) throw new Error(`top_pool: expected ${batch}x${n} scores, got ${scores.length}`);
  const first = cfg.excludeFirst ? 1 : 0;
  const ranked = n - first;
  const k = keepCount(ranked, cfg);
  if (k === null) return null;
  const out: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const base = b * n;
    const order = Array.from({ length: ranked }, (_, i) => i + first);
    // Array.prototype.sort is stable (ES2019): equal scores keep ascending index order
    order.sort((i, j) => scores[base + j] - scores[base + i]);
    const kept = order.slice(0, k).sort((i, j) => i - j);
    out.push(cfg.excludeFirst ? [0, ...kept] : kept);
  }
  return out;
}

/**
 * On-device twin of {@link topPoolIndices} for `scores` [B, N]: int32 [B, K]
 * token indices in ascending order (position 0 first when `excludeFirst`),
 * or null when nothing is pooled. Ties go to the lower index (TopK's rule on
 * every backend present). Nothing is read back to the host.
 */
export function topPoolIndicesTensor(scores: tf.Tensor2D, cfg: TopPoolConfig): tf.Tensor2D | null {
  const [b, n] = scores.shape;
  const first = cfg.excludeFirst ? 1 : 0;
  const k = keepCount(n - first, cfg);
  if (k === null) return null;
  return tf.tidy(() => {
    const ranked = first ? tf.slice(scores, [0, first], [b, n - first]) : scores;
    const best = tf.cast(tf.add(tf.topk(ranked, k, true).indices, first), 'float32');
    // ascending token order: the largest of the negated indices come first
    const asc = tf.cast(tf.neg(tf.topk(tf.neg(best), k, true).values), 'int32');
    return (first ? tf.concat([tf.zeros([b, 1], 'int32'), asc], 1) : asc) as tf.Tensor2D;
  });
}

/**
 * x [B, N, D] → [B, K, D], rows `idx` [B, K] (int32) of each sample;
 * differentiable in x. The indices are captured, not an input of the
 * recorded op: they come from a TopK over model outputs, and tfjs would
 * otherwise try to differentiate through them. The gradient scatters dy back
 * with UnsortedSegmentSum (every backend present has it).
 */
export function gatherTokens(x: tf.Tensor, idx: tf.Tensor2D): tf.Tensor {
  const [b, n, d] = x.shape;
  const k = idx.shape[1];
  const op = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, save] = inputs as [tf.Tensor, tf.GradSaveFunc];
    // row r of sample s is row s·N + r of x flattened to [B·N, D]
    const flat = tf.tidy(() => tf.reshape(tf.add(idx, tf.mul(tf.range(0, b, 1, 'int32').reshape([b, 1]), tf.scalar(n, 'int32'))), [b * k]));
    const value = tf.tidy(() => tf.reshape(tf.gather(tf.reshape(xi, [b * n, d]), flat), [b, k, d]));
    save([flat]);
    flat.dispose();
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => [tf.reshape(tf.unsortedSegmentSum(tf.reshape(dy, [b * k, d]), saved[0] as tf.Tensor1D, b * n), [b, n, d])]),
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return op(x) as tf.Tensor;
}

/** Indices chosen on the device, kept until replaced, read back to the host only when asked. */
export class KeptIndices {
  private tensor: tf.Tensor2D | null = null;
  private host: number[][] | null | undefined = null;

  /** Takes ownership of `t` (kept out of any tidy scope) and frees the previous one. */
  set(t: tf.Tensor2D | null): void {
    this.tensor?.dispose();
    this.tensor = t ? tf.keep(t) : null;
    this.host = t ? undefined : null;
  }

  /** The indices as lists per sample (one device read, then cached), or null. */
  get(): number[][] | null {
    if (this.host === undefined) this.host = this.tensor!.arraySync() as number[][];
    return this.host;
  }

  dispose(): void {
    this.set(null);
  }
}
