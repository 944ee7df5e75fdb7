/**
 * Gradient buckets summed while the backward pass runs (DIST_OVERLAP=1) give
 * exactly the weights of the all-reduce after the backward; the buckets were
 * really filled from the backward walk (not all at the end).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectOk, launch, tmpDir } from './helpers';

const run = async (overlap: string, accumulate = '0') => {
  const dir = tmpDir(`overlap${overlap}`);
  expectOk(await launch('overlap.ts', [dir, '4', '5'], 2, { DIST_OVERLAP: overlap, ACCUMULATE: accumulate }));
  return [0, 1].map((r) => JSON.parse(fs.readFileSync(path.join(dir, `rank${r}.json`), 'utf8')));
};

it('overlapped bucket all-reduce gives bit-identical weights to the all-reduce after the backward', async () => {
  const [plain, overlapped] = [await run('0'), await run('1')];
  for (const r of [0, 1]) expect(overlapped[r].weights).toEqual(plain[r].weights);
  expect(overlapped[1].weights).toEqual(overlapped[0].weights);
  expect(plain[0].steps).toBe(0);
  expect(overlapped[0].steps).toBe(5);
  // all 4 parameters of each of the 5 steps came from the backward walk, and were used
  expect(overlapped[0].earlySlots).toBe(20);
  expect(overlapped[0].redone).toBe(0);
}, 90_000);

it('gradients summed over two backward passes before the all-reduce are not replaced by the last pass', async () => {
  const [plain, overlapped] = [await run('0', '1'), await run('1', '1')];
  for (const r of [0, 1]) expect(overlapped[r].weights).toEqual(plain[r].weights);
  // the early sums were of the second pass only: every step was summed again from what was handed over
  expect(overlapped[0].redone).toBe(5);
}, 90_000);
