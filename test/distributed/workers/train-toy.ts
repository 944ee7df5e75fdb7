/**
 * Test worker: W ranks x batch b for k SGD steps with averaged gradients.
 * Each rank starts from different random weights; broadcastWeights makes them
 * rank 0's. Writes <out>/rank<r>.json with the final weights.
 */
import { tf } from '../../../src/tf';
import { LR } from './toy';
import { runToyWorker } from './toy-worker';

runToyWorker(
  async ({ dist, model, k, stepBatch, writeResult }) => {
    const before = tf.memory().numTensors;
    for (let s = 0; s < k; s++) {
      const { x, y } = stepBatch(s);
      const g = model.grads(x, y);
      x.dispose();
      y.dispose();
      const avg = await dist.allReduceMeanGrads(g);
      model.sgd(avg, LR);
      for (const t of [...Object.values(g), ...Object.values(avg)]) t.dispose();
    }
    writeResult({ weights: model.weights(), leaked: tf.memory().numTensors - before });
  },
  { timeoutMs: 60_000 },
);
