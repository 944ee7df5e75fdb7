/**
 * Test worker: one SyncBatchNorm layer on this rank's B samples for two steps.
 * Writes <out>/rank<r>.json: outputs, input gradients, DDP-averaged weight/bias
 * gradients and the running statistics after both steps.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runDistMain } from '../../../src/distributed/init';
import { workerArgs } from './argv';
import { initBackend } from '../../../src/backend/backend';
import { tf } from '../../../src/tf';
import { SyncBatchNorm } from '../../../src/models/sync-batchnorm';
import { B, C, bnState, bnStep, input, readout, setWeight } from './sync-bn-data';

const { launcher, rest } = workerArgs();
const [outDir] = rest;

void runDistMain(
  launcher,
  async (dist) => {
    if (!dist) throw new Error('expected a distributed run');
    await initBackend('cpu');
    const bn = new SyncBatchNorm({ num_features: C, eps: 1e-5, momentum: 0.1 });
    setWeight(bn);
    await dist.broadcastWeights(bn);
    const r = readout();
    const steps: Array<Record<string, number[]>> = [];
    for (let s = 0; s < 2; s++) {
      const { y, dx, dWeight, dBias } = bnStep(bn, input(dist.rank * B, B, s), r);
      const avg = await dist.allReduceMeanGrads({ weight: dWeight, bias: dBias });
      steps.push({ y, dx, dWeight: Array.from(avg.weight.dataSync()), dBias: Array.from(avg.bias.dataSync()) });
      tf.dispose([dWeight, dBias, avg.weight, avg.bias]);
    }
    r.dispose();
    const state = bnState(bn);
    fs.writeFileSync(path.join(outDir, `rank${dist.rank}.json`), JSON.stringify({ steps, state }));
  },
  { timeoutMs: 60_000 },
);
