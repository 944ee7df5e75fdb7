/**
 * Distributed result collection over the process group (no shared
 * filesystem): mmcv's collect_results semantics, with the parts exchanged by
 * an all-gather instead of `part_<rank>.pkl` files in a shared tmpdir.
 */
import { DistError } from './errors';

/** The one collective collection needs. */
export interface GatherGroup {
  readonly rank: number;
  readonly worldSize: number;
  allGatherObjects<T>(obj: T): Promise<T[]>;
}

/**
 * mmcv's rule for a strided sampler (rank r took samples r, r+W, r+2W, ... of
 * the padded index list): zip the parts across ranks, then truncate to `size`
 * to drop the round-up padding.
 */
export function interleaveParts<T>(parts: T[][], size: number): T[] {
  const out: T[] = [];
  const longest = Math.max(0, ...parts.map((p) => p.length));
  for (let i = 0; i < longest && out.length < size; i++) {
    for (const p of parts) if (i < p.length && out.length < size) out.push(p[i]);
  }
  if (out.length < size) {
    throw new DistError(`collectResults: the ranks returned ${out.length} results in all but the dataset has ${size} samples`);
  }
  return out;
}

/** Places `[index, result]` pairs by dataset index; padding duplicates drop out. */
export function orderByIndex<T>(parts: Array<Array<[number, T]>>, size: number): T[] {
  const out = new Array<T>(size);
  const seen = new Uint8Array(size);
  for (const part of parts) {
    for (const [i, v] of part) {
      if (!Number.isInteger(i) || i < 0 || i >= size) throw new DistError(`collectResultsByIndex: index ${i} is outside the dataset (size ${size})`);
      if (!seen[i]) {
        seen[i] = 1;
        out[i] = v;
      }
    }
  }
  const missing: number[] = [];
  for (let i = 0; i < size && missing.length < 10; i++) if (!seen[i]) missing.push(i);
  if (missing.length) throw new DistError(`collectResultsByIndex: no result for sample(s) ${missing.join(', ')}${missing.length === 10 ? ', ...' : ''} of ${size}`);
  return out;
}

/**
 * Every rank's shard results, interleaved back into dataset order and
 * truncated to `size` (returned on every rank; `part` must be this rank's
 * results in the order its sampler produced them).
 */
export async function collectResults<T>(group: GatherGroup, part: T[], size: number): Promise<T[]> {
  const parts = group.worldSize > 1 ? await group.allGatherObjects(part) : [part];
  return interleaveParts(parts, size);
}

/** Like {@link collectResults}, but each result carries its dataset index (robust to any sampler). */
export async function collectResultsByIndex<T>(group: GatherGroup, part: Array<[number, T]>, size: number): Promise<T[]> {
  const parts = group.worldSize > 1 ? await group.allGatherObjects(part) : [part];
  return orderByIndex(parts, size);
}
