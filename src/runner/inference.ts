/**
 * Test loops: class scores for every sample of a loader, in dataset order
 * (mmcls `single_gpu_test` / `multi_gpu_test`). Each batch carries its
 * dataset indices, so results from several ranks are placed by index and the
 * sampler's round-up padding drops out (the interleave-and-truncate rule).
 */
import { tf } from '../tf';
import { iterateBatches } from './batches';
import { ProgressBar } from './progress';
import type { Logger } from '../contracts/logger';
import type { DataLoaderLike } from './types';
import type { DistContext } from '../contracts/dist';
import type { Model } from '../contracts/model';

/** Scores of this process's samples: `[index, scores]` pairs. */
export async function collectScores(
  model: Model,
  loader: DataLoaderLike,
  opts: { logger?: Logger; progress?: boolean; label?: string; step?: 'val' | 'test' } = {},
): Promise<Array<[number, Float32Array]>> {
  model.eval();
  const out: Array<[number, Float32Array]> = [];
  const total = loader.dataset?.length ?? loader.length;
  const bar = new ProgressBar(total, opts.label ?? 'test', { logger: opts.logger, force: opts.progress });
  try {
    for await (const batch of iterateBatches(loader, 'test')) {
      // the eval hook runs the model's valStep, test tools its testStep
      const s = tf.tidy(() => (opts.step === 'val' ? model.valStep(batch) : model.testStep(batch)));
      const numClasses = s.shape[1];
      const scores = (await s.data()) as Float32Array;
      s.dispose();
      batch.indices.forEach((idx, i) => out.push([idx, scores.slice(i * numClasses, (i + 1) * numClasses)]));
      bar.update(out.length);
    }
  } finally {
    bar.stop();
  }
  return out;
}

/**
 * Class scores of the whole dataset, in dataset order, on every rank.
 * `size` is the dataset length (padding from round_up is dropped).
 */
export async function testModelScores(
  model: Model,
  loader: DataLoaderLike,
  dist: DistContext,
  opts: { logger?: Logger; progress?: boolean; size?: number; label?: string; step?: 'val' | 'test' } = {},
): Promise<Float32Array[]> {
  const mine = await collectScores(model, loader, { ...opts, progress: dist.rank === 0 ? opts.progress : false });
  const parts = dist.worldSize > 1 ? await dist.allGatherObjects(mine) : [mine];
  const size = opts.size ?? loader.dataset?.length;
  const byIndex = new Map<number, Float32Array>();
  for (const part of parts) for (const [i, s] of part) if (!byIndex.has(i)) byIndex.set(i, s instanceof Float32Array ? s : Float32Array.from(s as ArrayLike<number>));
  const n = size ?? byIndex.size;
  const results: Float32Array[] = [];
  for (let i = 0; i < n; i++) {
    const s = byIndex.get(i);
    if (!s) throw new Error(`test: no prediction for sample ${i} of ${n} (did a transform drop it?)`);
    results.push(s);
  }
  return results;
}
