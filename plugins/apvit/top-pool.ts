/**
 * `top_pool` of the official code (mmcls/models/utils/top_pool.py), restated
 * for a port (spec §3.3): the kept-token indices are computed in plain JS from
 * score values read off the graph, so no TopK sits on the gradient tape (tfjs
 * has no TopK gradient), and the rows are then selected with a one-hot batched
 * matmul: exact (x·1 + Σ 0·x) and differentiable on every backend (GatherV2's
 * gradient needs UnsortedSegmentSum, which wasm lacks, and wasm's gather with
 * batchDims returns wrong rows for batch > 0).
 */
import { tf } from '../../src/tf';

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

/** x [B, N, D] → [B, K, D] keeping rows `keep[b]` (all of equal length K), differentiable. */
export function selectTokens(x: tf.Tensor, keep: number[][]): tf.Tensor {
  const [b, n] = x.shape;
  if (keep.length !== b) throw new Error(`selectTokens: ${keep.length} index lists for batch ${b}`);
  const k = keep[0].length;
  const onehot = new Float32Array(b * k * n);
  keep.forEach((rows, bi) => {
    if (rows.length !== k) throw new Error('selectTokens: ragged keep lists');
    rows.forEach((r, ki) => {
      if (r < 0 || r >= n) throw new Error(`selectTokens: index ${r} out of range [0, ${n})`);
      onehot[(bi * k + ki) * n + r] = 1;
    });
  });
  return tf.tidy(() => tf.matMul(tf.tensor3d(onehot, [b, k, n]), x as tf.Tensor3D));
}
