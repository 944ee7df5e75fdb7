/**
 * Test worker: each rank "evaluates" its shard of a dataset of SIZE samples
 * (scores derived from the index), results are collected back in dataset order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runDistMain } from '../../../src/distributed/init';
import { shardIndices, scoresOf } from './shard';

const [outDir, sizeArg] = process.argv.slice(2).filter((a) => !a.startsWith('--') && a !== 'pytorch');
const size = Number(sizeArg);

void runDistMain(
  'pytorch',
  async (dist) => {
    if (!dist) throw new Error('expected a distributed run');
    const mine = shardIndices(size, dist.worldSize, dist.rank);
    const ordered = await dist.collectResults(mine.map(scoresOf), size);
    const byIndex = await dist.collectResultsByIndex(mine.map((i) => [i, scoresOf(i)] as [number, Float32Array]), size);
    // A shuffled shard (e.g. a val set with shuffle on): indices put it back in order.
    const shuffled = shardIndices(size, dist.worldSize, dist.rank, true);
    const byIndexShuffled = await dist.collectResultsByIndex(shuffled.map((i) => [i, scoresOf(i)] as [number, Float32Array]), size);
    fs.writeFileSync(
      path.join(outDir, `rank${dist.rank}.json`),
      JSON.stringify({ shard: mine, ordered: ordered.map((a) => Array.from(a)), byIndex: byIndex.map((a) => Array.from(a)), byIndexShuffled: byIndexShuffled.map((a) => Array.from(a)), shuffled }),
    );
  },
  { timeoutMs: 60_000 },
);
