/** Distributed result collection equals the single-process order (padding dropped). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { interleaveParts, orderByIndex } from '../../src/distributed/collect';
import { expectOk, launch, tmpDir } from './helpers';
import { scoresOf, shardIndices } from './workers/shard';

describe('interleave and truncate (pure)', () => {
  it.each([
    [10, 3],
    [9, 3],
    [7, 2],
    [1, 4],
  ])('size %i over %i ranks', (size, W) => {
    const parts = [...Array(W).keys()].map((r) => shardIndices(size, W, r));
    expect(parts.every((p) => p.length === Math.ceil(size / W))).toBe(true);
    expect(interleaveParts(parts, size)).toEqual([...Array(size).keys()]);
    expect(orderByIndex(parts.map((p) => p.map((i) => [i, i * 10] as [number, number])), size)).toEqual([...Array(size).keys()].map((i) => i * 10));
  });

  it('names missing samples', () => {
    expect(() => orderByIndex([[[0, 'a']], [[2, 'c']]], 3)).toThrow(/no result for sample\(s\) 1 of 3/);
    expect(() => interleaveParts([[1], [2]], 3)).toThrow(/2 results in all but the dataset has 3/);
  });
});

it('3 ranks, 10 samples (not divisible): collected results equal the single-process list', async () => {
  const size = 10;
  const dir = tmpDir('collect');
  const res = await launch('collect.ts', [dir, String(size)], 3);
  expectOk(res);
  const single = [...Array(size).keys()].map((i) => Array.from(scoresOf(i)));
  for (let r = 0; r < 3; r++) {
    const o = JSON.parse(fs.readFileSync(path.join(dir, `rank${r}.json`), 'utf8'));
    expect(o.shard).toHaveLength(4); // 12 padded / 3
    expect(o.ordered).toEqual(single);
    expect(o.byIndex).toEqual(single);
    expect(o.shuffled).not.toEqual(o.shard);
    expect(o.byIndexShuffled).toEqual(single);
  }
});
