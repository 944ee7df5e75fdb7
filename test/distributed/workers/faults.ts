/**
 * Test worker for hangs and failures. Usage:
 *   faults.ts SCENARIO OUT_DIR [--launcher multi-gpu --gpus N | --launcher pytorch]
 * Each rank writes its pid to OUT_DIR/pid<rank> first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { launchIfRequested, parseLauncherFlags } from '../../../src/distributed/launcher';
import { runDistMain } from '../../../src/distributed/init';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  const code = await launchIfRequested();
  if (code !== null) process.exit(code);
  const { flags, rest } = parseLauncherFlags(process.argv.slice(2));
  const [scenario, outDir] = rest;
  await runDistMain(
    flags.launcher ?? 'pytorch',
    async (dist) => {
      if (!dist) throw new Error('expected a distributed run');
      const { rank, worldSize } = dist;
      fs.writeFileSync(path.join(outDir, `pid${rank}`), String(process.pid));
      const buf = new Float32Array(1000).fill(rank);
      const step = async (i: number) => {
        await dist.pg.allReduce(buf, { average: true });
        await dist.barrier(`step${i}`);
      };
      switch (scenario) {
        case 'skip-barrier':
          if (rank === 1) await sleep(15_000);
          else await dist.barrier('everyone');
          return;
        case 'throw':
          for (let i = 0; ; i++) {
            if (rank === worldSize - 1 && i === 3) throw new Error(`boom at step ${i}`);
            await step(i);
          }
        case 'kill':
          for (let i = 0; ; i++) {
            if (rank === 1 && i === 3) process.kill(process.pid, 'SIGKILL');
            await step(i);
            await sleep(50);
          }
        case 'loop':
          for (let i = 0; ; i++) {
            await step(i);
            await sleep(100);
          }
        case 'busy': {
          // A rank that blocks its event loop (long synchronous kernels) is alive, not dead.
          await step(0);
          if (rank === 1) {
            const until = Date.now() + Number(process.env.T_BUSY_MS ?? 5000);
            while (Date.now() < until) {
              /* spin */
            }
          }
          await step(1);
          fs.writeFileSync(path.join(outDir, `ok${rank}`), 'ok');
          return;
        }
        default:
          throw new Error(`unknown scenario ${scenario}`);
      }
    },
    { timeoutMs: Number(process.env.T_TIMEOUT_MS ?? 20_000) },
  );
}

void main();
