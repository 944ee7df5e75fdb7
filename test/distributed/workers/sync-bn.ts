/**
 * Test worker: one SyncBatchNorm layer on this rank's B samples for two steps.
 * Writes <out>/rank<r>.json: outputs, input gradients, DDP-averaged weight/bias
 * gradients and the running statistics after both steps.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runDistMain } from '../../../src/distributed/init';
import { initBackend } from '../../../src/backend/backend';
import { tf } from '../../../src/tf';
import { SyncBatchNorm } from '../../../src/models/sync-batchnorm';
import { B, C, input, loss, readout } from './sync-bn-data';

const [outDir] = process.argv.slice(2).filter((a) => !a.startsWith('--') && a !== 'pytorch');

void runDistMain(
  'pytorch',
  async (dist) => {
    if (!dist) throw new Error('expected a distributed run');
    await initBackend('cpu');
    const bn = new SyncBatchNorm({ num_features: C, eps: 1e-5, momentum: 0.1 });
    tf.tidy(() => bn.weight.assign(tf.tensor1d([1.5, 0.5, -1])));
    await dist.broadcastWeights(bn);
    const r = readout();
    const steps: Array<Record<string, number[]>> = [];
    for (let s = 0; s < 2; s++) {
      const x = input(dist.rank * B, B, s);
      let y: tf.Tensor | null = null;
      const { grads, value } = tf.variableGrads(() => {
        y = tf.keep(bn.forward(x));
        return loss(y, r);
      }, [bn.weight, bn.bias]);
      // the input gradient through a second pass with x as the variable
      const xv = tf.variable(x);
      const dx = tf.grad((xi: tf.Tensor) => loss(bn.forward(xi), r))(xv);
      const avg = await dist.allReduceMeanGrads({ weight: grads[bn.weight.name], bias: grads[bn.bias.name] });
      steps.push({ y: Array.from(y!.dataSync()), dx: Array.from(dx.dataSync()), dWeight: Array.from(avg.weight.dataSync()), dBias: Array.from(avg.bias.dataSync()) });
      for (const t of [x, y!, value, dx, xv, ...Object.values(grads), ...Object.values(avg)]) t.dispose();
    }
    const state = { runningMean: Array.from(bn.runningMean.dataSync()), runningVar: Array.from(bn.runningVar.dataSync()), tracked: bn.numBatchesTracked.dataSync()[0] };
    fs.writeFileSync(path.join(outDir, `rank${dist.rank}.json`), JSON.stringify({ steps, state }));
  },
  { timeoutMs: 60_000 },
);
