/** Test worker: every collective once, results written to <out>/rank<r>.json. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runDistMain } from '../../../src/distributed/init';
import { workerArgs } from './argv';

const { launcher, rest } = workerArgs();
const [outDir, lengthArg] = rest;
const n = Number(lengthArg ?? 1001);

void runDistMain(
  launcher,
  async (dist) => {
    if (!dist) throw new Error('expected a distributed run');
    const { rank, worldSize } = dist;
    const pg = dist.pg;
    // Sum all-reduce of rank-dependent values, in many small buckets.
    const sum = new Float32Array(n);
    for (let i = 0; i < n; i++) sum[i] = (rank + 1) * i * 0.5 + Math.sin(i + rank);
    await pg.allReduce(sum);
    const mean = new Float32Array(n);
    for (let i = 0; i < n; i++) mean[i] = (rank + 1) * 0.25 - i;
    await pg.allReduce(mean, { average: true });
    // Bit-identical on every rank?
    const all = await dist.allGatherObjects(mean);
    const identical = all.every((a) => Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(all[0].buffer, all[0].byteOffset, all[0].byteLength)) === 0);
    const bc = new Float32Array(n);
    if (rank === 0) for (let i = 0; i < n; i++) bc[i] = i * 1.5 - 7;
    await pg.broadcast(bc, 0);
    const bcLast = new Float32Array(5);
    if (rank === worldSize - 1) bcLast.set([9, 8, 7, 6, 5]);
    await pg.broadcast(bcLast, worldSize - 1);
    const obj = await dist.broadcastObject(rank === 0 ? { seed: 1234, arr: new Float32Array([1, 2, 3]), m: new Map([['a', 1]]) } : null);
    const fromLast = await dist.broadcastObject(rank === worldSize - 1 ? `hello from ${rank}` : null, worldSize - 1);
    const gathered = await dist.allGatherObjects({ rank, pid: process.pid });
    await dist.barrier('end');
    const seed = await dist.syncRandomSeed(rank === 0 ? 77 : 999);
    fs.writeFileSync(
      path.join(outDir, `rank${rank}.json`),
      JSON.stringify({
        rank,
        worldSize,
        sum: Array.from(sum),
        mean: Array.from(mean),
        identical,
        bc: Array.from(bc),
        bcLast: Array.from(bcLast),
        obj: { seed: (obj as { seed: number }).seed, arr: Array.from((obj as { arr: Float32Array }).arr), m: (obj as { m: Map<string, number> }).m.get('a') },
        fromLast,
        gathered,
        seed,
        engine: dist.engine,
      }),
    );
  },
  // T_INIT_METHOD: the rendezvous as dist_params.init_method names it (default env://)
  { timeoutMs: 60_000, distParams: process.env.T_INIT_METHOD ? { init_method: process.env.T_INIT_METHOD } : undefined },
);
