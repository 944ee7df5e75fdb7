import type { Rng } from '../utils/rng';
import { collate } from './collate';
import { getMaxConcurrentDecodes, mapLimit } from './image/decode-limits';
import type { Batch, DatasetLike, Results } from './types';

/**
 * Runs the pipeline on `indices` and collates the kept samples; null if all
 * were dropped. Samples run concurrently (decoding is async) but at most
 * getMaxConcurrentDecodes() at once, so a batch never holds all its
 * full-size decoded images together.
 */
export async function loadBatch(dataset: DatasetLike, indices: number[], rngFor: (i: number) => Rng): Promise<Batch | null> {
  const items = await mapLimit(indices, getMaxConcurrentDecodes(), (i) => dataset.getItem(i, rngFor(i)));
  const kept: Results[] = [];
  const keptIdx: number[] = [];
  items.forEach((r, k) => {
    if (r) {
      kept.push(r);
      keptIdx.push(indices[k]);
    }
  });
  return kept.length ? collate(kept, keptIdx) : null;
}

export function transferList(b: Batch): ArrayBuffer[] {
  const out = [b.img.data.buffer as ArrayBuffer];
  if (b.gt_label) out.push(b.gt_label.buffer as ArrayBuffer);
  return out;
}
