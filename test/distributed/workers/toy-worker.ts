/**
 * What the toy training workers share: argv `<outDir> <b> <k>`, the cpu
 * backend, a ToyMlp seeded per rank and then broadcast from rank 0, and the
 * global batch split (step s = samples [s*W*b, (s+1)*W*b); each rank its b).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runDistMain } from '../../../src/distributed/init';
import { initBackend } from '../../../src/backend/backend';
import type { TfDist } from '../../../src/distributed/tf-dist';
import type { tf } from '../../../src/tf';
import { ToyMlp, batch } from './toy';
import { workerArgs } from './argv';

export interface ToyRank {
  dist: TfDist;
  model: ToyMlp;
  /** Steps to run. */
  k: number;
  /** This rank's samples of global step `s`. */
  stepBatch(s: number): { x: tf.Tensor2D; y: tf.Tensor1D };
  /** Writes <outDir>/rank<r>.json. */
  writeResult(result: unknown): void;
}

export function runToyWorker(train: (rank: ToyRank) => Promise<void>, opts: Parameters<typeof runDistMain>[2]): void {
  const { launcher, rest } = workerArgs();
  const [outDir, bArg, kArg] = rest;
  const b = Number(bArg);
  void runDistMain(
    launcher,
    async (dist) => {
      if (!dist) throw new Error('expected a distributed run');
      await initBackend('cpu');
      const { rank, worldSize } = dist;
      const model = new ToyMlp(1 + rank);
      await dist.broadcastWeights(model);
      await train({
        dist,
        model,
        k: Number(kArg),
        stepBatch: (s) => batch(Array.from({ length: b }, (_, i) => s * worldSize * b + rank * b + i)),
        writeResult: (result) => fs.writeFileSync(path.join(outDir, `rank${rank}.json`), JSON.stringify(result)),
      });
    },
    opts,
  );
}
