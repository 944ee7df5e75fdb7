/**
 * Test worker: W ranks x batch b for k SGD steps on the toy MLP, gradients
 * from the releasing backward walk (as in the runner's train step), averaged
 * by allReduceMeanGrads: overlapped when DIST_OVERLAP=1. With ACCUMULATE=1
 * each step sums the gradients of two backward passes first (as the
 * gradient-cumulative optimizer hook does). Writes
 * <out>/rank<r>.json with the final weights and what the overlap did.
 */
import { overlapStats } from '../../../src/distributed/overlap';
import { variableGradsReleasing } from '../../../src/nn/tape-release';
import { tf } from '../../../src/tf';
import { LR } from './toy';
import { runToyWorker } from './toy-worker';

runToyWorker(
  async ({ dist, model, k, stepBatch, writeResult }) => {
    for (let s = 0; s < k; s++) {
      const { x, y } = stepBatch(s);
      const byName: Record<string, tf.Tensor> = {};
      const passes = process.env.ACCUMULATE === '1' ? [x, tf.mul(x, 0.5)] : [x];
      for (const xi of passes) {
        const { value, grads } = variableGradsReleasing(() => model.loss(xi as tf.Tensor2D, y), model.vars.map(([, v]) => v));
        value.dispose();
        for (const [name, v] of model.vars) {
          const prev = byName[name];
          byName[name] = prev ? tf.add(prev, grads[v.name]) : grads[v.name];
          if (prev) {
            prev.dispose();
            grads[v.name].dispose();
          }
        }
      }
      const avg = await dist.allReduceMeanGrads(byName);
      model.sgd(avg, LR);
      for (const t of [x, y, ...passes.slice(1), ...Object.values(byName), ...Object.values(avg)]) t.dispose();
    }
    writeResult({ weights: model.weights(), earlySlots: overlapStats.earlySlots, steps: overlapStats.steps, redone: overlapStats.redone });
  },
  // buckets of ~100 floats: the toy's 4 parameters (48, 8, 24, 3 values) fill several
  { timeoutMs: 60_000, bucketSizeMb: 100 / 262144 },
);
