/** All-reduce / broadcast / all-gather / barrier across real worker processes. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { expectOk, engineUsable, launch, launchOn, tmpDir } from './helpers';

function readRanks(dir: string, w: number) {
  return [...Array(w).keys()].map((r) => JSON.parse(fs.readFileSync(path.join(dir, `rank${r}.json`), 'utf8')));
}

// MPI's own collectives are its library's; 2 ranks show they are wired up
describe.each([['gloo', 2], ['gloo', 3], ['mpi', 2]] as const)('collectives on %s with %i ranks', (engine, W) => {
  it('sum/mean all-reduce, broadcast from any rank, objects, barrier, seed', async () => {
    if (!engineUsable(engine)) return;
    const dir = tmpDir('coll');
    const n = 1001; // not divisible by W
    const res = await launchOn(engine, 'collectives.ts', [dir, String(n)], W);
    expectOk(res);
    const out = readRanks(dir, W);
    for (const o of out) {
      expect(o.worldSize).toBe(W);
      expect(o.engine).toMatch(new RegExp(`^${engine} .+ \\(`));
      for (let i = 0; i < n; i += 37) {
        let s = 0;
        let m = 0;
        for (let r = 0; r < W; r++) {
          s += Math.fround((r + 1) * i * 0.5 + Math.sin(i + r));
          m += Math.fround((r + 1) * 0.25 - i);
        }
        expect(o.sum[i]).toBeCloseTo(s, 3);
        expect(o.mean[i]).toBeCloseTo(m / W, 4);
      }
      expect(o.identical).toBe(true);
      expect(o.bc[10]).toBe(10 * 1.5 - 7);
      expect(o.bc[n - 1]).toBe((n - 1) * 1.5 - 7);
      expect(o.bcLast).toEqual([9, 8, 7, 6, 5]);
      expect(o.obj).toEqual({ seed: 1234, arr: [1, 2, 3], m: 1 });
      expect(o.fromLast).toBe(`hello from ${W - 1}`);
      expect(o.gathered.map((g: { rank: number }) => g.rank)).toEqual([...Array(W).keys()]);
      expect(o.seed).toBe(77);
    }
    // every rank holds bit-identical reduced values
    for (const o of out) expect(o.sum).toEqual(out[0].sum);
  }, 60_000);
});

it("Gloo ranks meet through a shared file with dist_params.init_method 'file:///...'", async () => {
  if (!engineUsable('gloo')) return;
  const dir = tmpDir('coll-file');
  const res = await launch('collectives.ts', [dir, '101'], 2, { T_INIT_METHOD: `file://${path.join(dir, 'rendezvous')}` });
  expectOk(res);
  // the store made the directory (and removed its key files once the ranks had met)
  expect(fs.statSync(path.join(dir, 'rendezvous')).isDirectory()).toBe(true);
  const out = readRanks(dir, 2);
  expect(out[1].sum).toEqual(out[0].sum);
  expect(out[0].fromLast).toBe('hello from 1');
}, 60_000);
