/**
 * Images per second of a config's training pipeline through the DataLoader,
 * in-process (0 workers) and with 1, 2 and N worker threads.
 *
 *   npx tsx tools/benchmark-data.ts CONFIG [--split train] [--batches 20] [--batch-size B] [--workers 0,1,2,N] [--cfg-options k=v ...]
 */
import os from 'os';
import { Command, InvalidArgumentError } from 'commander';
import '../src/registry/validate';
import '../src/data';
import { buildDataLoader } from '../src/data/loader';
import type { ConfigNode } from '../src/registry/registry';

function loadCfg(file: string, cfgOptions: string[] | undefined): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadConfig } = require('../src/config') as typeof import('../src/config');
  const c = loadConfig(file, { cfgOptions });
  return { ...(c.cfg as Record<string, unknown>), __plugins: c.plugins.map((p) => p.file) };
}

const posInt = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
  return n;
};

async function main(): Promise<void> {
  const program = new Command('benchmark-data')
    .description('measure images/s of the data pipeline at several worker counts')
    .argument('<config>', 'config file')
    .option('--split <split>', 'train, val or test', 'train')
    .option('--batches <n>', 'batches timed per setting (after the first)', posInt('--batches'), 20)
    .option('--batch-size <b>', 'samples per batch (default: data.samples_per_gpu)', posInt('--batch-size'))
    .option('--workers <list>', 'comma-separated worker counts (N = the config workers_per_gpu or the CPU count)')
    .option('--cfg-options <pairs...>', 'override settings: key=value pairs')
    .parse(process.argv);
  const o = program.opts<{ split: string; batches: number; batchSize?: number; workers?: string; cfgOptions?: string[] }>();
  // a path or an installed package's config
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cfgFile = (require('../src/config') as typeof import('../src/config')).locateConfigFile(program.args[0]);
  const cfg = loadCfg(cfgFile, o.cfgOptions);
  const data = cfg.data as Record<string, unknown>;
  const node = data?.[o.split] as ConfigNode | undefined;
  if (!node) throw new Error(`${cfgFile}: data.${o.split} is not defined`);
  const batch = o.batchSize ?? (data.samples_per_gpu as number) ?? 32;
  const N = Math.max((data.workers_per_gpu as number) ?? 0, os.cpus().length);
  const counts = o.workers ? o.workers.split(',').map((s) => (s.trim() === 'N' ? N : Number(s))) : [...new Set([0, 1, 2, N])];
  console.log(`pipeline: data.${o.split} of ${cfgFile}; batch ${batch}; ${o.batches} timed batches; ${os.cpus().length} CPUs`);
  for (const workers of counts) {
    const loader = buildDataLoader(node, {
      samples_per_gpu: batch,
      workers_per_gpu: workers,
      shuffle: true,
      seed: 0,
      imports: cfg.__plugins as string[],
    });
    try {
      const t0 = performance.now();
      let t1 = 0;
      let images = 0;
      let seen = 0;
      let epoch = 0;
      // Loop over epochs until enough batches were timed; the first batch (worker start-up) is not timed.
      while (seen <= o.batches) {
        loader.setEpoch(epoch++);
        for await (const b of loader) {
          if (seen === 0) t1 = performance.now();
          else images += b.img.shape[0];
          if (++seen > o.batches) break;
        }
      }
      const t2 = performance.now();
      const rate = images / ((t2 - t1) / 1000);
      console.log(`workers ${String(workers).padStart(2)}: ${rate.toFixed(1).padStart(8)} images/s (first batch after ${((t1 - t0) / 1000).toFixed(2)} s)`);
    } finally {
      await loader.close();
    }
  }
}

main().catch((e) => {
  console.error(`benchmark-data: ${(e as Error).message}`);
  process.exitCode = 1;
});
