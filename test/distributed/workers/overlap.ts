/**
 * Test worker: W ranks x batch b for k SGD steps on the toy MLP, gradients
 * from the releasing backward walk (as in the runner's train step), averaged
 * by allReduceMeanGrads: overlapped when DIST_OVERLAP=1. Writes
 * <out>/rank<r>.json with the final weights and what the overlap did.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runDistMain } from '../../../src/distributed/init';
import { overlapStats } from '../../../src/distributed/overlap';
import { initBackend } from '../../../src/backend/backend';
import { variableGradsReleasing } from '../../../src/nn/tape-release';
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
    for (let s = 0; s < k; s++) {
      const start = s * worldSize * b + rank * b;
      const { x, y } = batch(Array.from({ length: b }, (_, i) => start + i));
      const { value, grads } = variableGradsReleasing(() => model.loss(x, y), model.vars.map(([, v]) => v));
      const byName: Record<string, (typeof grads)[string]> = {};
      for (const [name, v] of model.vars) byName[name] = grads[v.name];
      const avg = await dist.allReduceMeanGrads(byName);
      model.sgd(avg, LR);
      for (const t of [x, y, value, ...Object.values(grads), ...Object.values(avg)]) t.dispose();
    }
    fs.writeFileSync(path.join(outDir, `rank${rank}.json`), JSON.stringify({ weights: model.weights(), earlySlots: overlapStats.earlySlots, steps: overlapStats.steps }));
  },
  // buckets of ~100 floats: the toy's 4 parameters (48, 8, 24, 3 values) fill several
  { timeoutMs: 60_000, bucketSizeMb: 100 / 262144 },
);
