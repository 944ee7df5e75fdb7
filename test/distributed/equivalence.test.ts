/** 2 ranks x batch b == 1 rank x batch 2b after k SGD steps (BN-free toy model), on each engine. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/backend/backend';
import { LR, ToyMlp, batch } from './workers/toy';
import { ENGINES, expectOk, engineUsable, launchOn, tmpDir } from './helpers';

const B = 4;
const K = 6;

function reference(): Record<string, number[]> {
  const model = new ToyMlp(1); // rank 0's init
  for (let s = 0; s < K; s++) {
    const { x, y } = batch(Array.from({ length: 2 * B }, (_, i) => s * 2 * B + i));
    const g = model.grads(x, y);
    model.sgd(g, LR);
    for (const t of [x, y, ...Object.values(g)]) t.dispose();
  }
  return model.weights();
}

it.each(ENGINES)('averaged gradients over 2 worker processes on %s match one process with the doubled batch', async (engine) => {
  if (!engineUsable(engine)) return;
  await initBackend('cpu');
  const ref = reference();
  const init = new ToyMlp(1).weights();
  const dir = tmpDir('equiv');
  const res = await launchOn(engine, 'train-toy.ts', [dir, String(B), String(K)], 2);
  expectOk(res);
  const ranks = [0, 1].map((r) => JSON.parse(fs.readFileSync(path.join(dir, `rank${r}.json`), 'utf8')));
  for (const r of ranks) {
    expect(r.leaked).toBe(0);
    for (const [name, want] of Object.entries(ref)) {
      const got: number[] = r.weights[name];
      expect(got).toHaveLength(want.length);
      let maxDiff = 0;
      let moved = 0;
      for (let i = 0; i < want.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
        moved = Math.max(moved, Math.abs(want[i] - init[name][i]));
      }
      expect(maxDiff).toBeLessThan(1e-6);
      expect(moved).toBeGreaterThan(1e-3); // training really changed the weights
    }
  }
  // the ranks stay bit-identical
  expect(ranks[1].weights).toEqual(ranks[0].weights);
}, 60_000);
