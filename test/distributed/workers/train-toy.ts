/**
 * Test worker: W ranks x batch b for k SGD steps with averaged gradients.
 * Each rank starts from different random weights; broadcastWeights makes them
 * rank 0's. Writes <out>/rank<r>.json with the final weights.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runDistMain } from '../../../src/distributed/init';
import { initBackend } from '../../../src/backend/backend';
import { tf } from '../../../src/tf';
import { LR, ToyMlp, batch } from './toy';

const [outDir, bArg, kArg] = process.argv.slice(2).filter((a) => !a.startsWith('--') && a !== 'pytorch');
const b = Number(bArg);
const k = Number(kArg);

void runDistMain(
  'pytorch',
  async (dist) => {
    if (!dist) throw new Error('expected a distributed run');
    await initBackend('cpu');
    const { rank, worldSize } = dist;
    const model = new ToyMlp(1 + rank);
    await dist.broadcastWeights(model);
    const before = tf.memory().numTensors;
    for (let s = 0; s < k; s++) {
      // global batch s = samples [s*W*b, (s+1)*W*b); this rank takes its b
      const start = s * worldSize * b + rank * b;
      const { x, y } = batch(Array.from({ length: b }, (_, i) => start + i));
      const g = model.grads(x, y);
      x.dispose();
      y.dispose();
      const avg = await dist.allReduceMeanGrads(g);
      model.sgd(avg, LR);
      for (const t of [...Object.values(g), ...Object.values(avg)]) t.dispose();
    }
    const leaked = tf.memory().numTensors - before;
    fs.writeFileSync(path.join(outDir, `rank${rank}.json`), JSON.stringify({ weights: model.weights(), leaked }));
  },
  { timeoutMs: 60_000 },
);
