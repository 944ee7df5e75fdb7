/**
 * Saves a grid of samples after the data pipeline (de-normalised, labelled
 * with class names) so the augmentations can be inspected.
 *
 *   npx tsx tools/browse-dataset.ts CONFIG [--split train] [--n 32] [--seed 0] [--epoch 0] --out grid.png [--cfg-options k=v ...]
 */
import path from 'path';
import sharp from 'sharp';
import { Command, InvalidArgumentError } from 'commander';
import '../src/registry/validate';
import '../src/data';
import { DATASETS } from '../src/registry/root';
import type { ConfigNode } from '../src/registry/registry';
import { Rng } from '../src/utils/rng';
import { makeGrid, toDisplayRgb, type NormCfg, type Tile } from '../src/data/visualize';
import type { DatasetLike } from '../src/data/types';

/** Loads the resolved config through the core config loader (inheritance, cfg-options, plugins). */
function loadCfg(file: string, cfgOptions: string[] | undefined): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { loadConfig } = require('../src/config') as typeof import('../src/config');
  return loadConfig(file, { cfgOptions }).cfg as Record<string, unknown>;
}

/** The Normalize settings of a pipeline (searched recursively through wrappers). */
function findNorm(node: unknown): NormCfg | null {
  if (!node || typeof node !== 'object') return null;
  if (Array.isArray(node)) {
    for (const n of node) {
      const f = findNorm(n);
      if (f) return f;
    }
    return null;
  }
  const o = node as Record<string, unknown>;
  if (o.type === 'Normalize') return { mean: o.mean as number[], std: o.std as number[], to_rgb: (o.to_rgb as boolean | undefined) ?? true };
  for (const v of Object.values(o)) {
    const f = findNorm(v);
    if (f) return f;
  }
  return null;
}

const int = (name: string) => (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative integer`);
  return n;
};

async function main(): Promise<void> {
  const program = new Command('browse-dataset')
    .description('save a labelled grid of pipeline outputs')
    .argument('<config>', 'config file')
    .option('--split <split>', 'train, val or test', 'train')
    .option('--n <n>', 'number of samples', int('--n'), 32)
    .option('--seed <s>', 'seed of the augmentations and of the sample choice', int('--seed'), 0)
    .option('--epoch <e>', 'epoch number fed to the per-sample generators', int('--epoch'), 0)
    .option('--shuffle', 'pick random samples instead of the first n')
    .requiredOption('--out <file>', 'output PNG')
    .option('--cfg-options <pairs...>', 'override settings: key=value pairs')
    .parse(process.argv);
  const o = program.opts<{ split: string; n: number; seed: number; epoch: number; shuffle?: boolean; out: string; cfgOptions?: string[] }>();
  // a path or an installed package's config
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const cfgFile = (require('../src/config') as typeof import('../src/config')).locateConfigFile(program.args[0]);
  const cfg = loadCfg(cfgFile, o.cfgOptions);
  const data = cfg.data as Record<string, unknown> | undefined;
  const node = data?.[o.split] as ConfigNode | undefined;
  if (!node) throw new Error(`${cfgFile}: data.${o.split} is not defined (have: ${Object.keys(data ?? {}).join(', ')})`);
  const ds = DATASETS.build<DatasetLike>(node, { path: `data.${o.split}` });
  const n = Math.min(o.n, ds.length);
  const order = o.shuffle ? Rng.derive(o.seed, 0x6272).permutation(ds.length) : [...Array(ds.length).keys()];
  const norm = findNorm(node);
  const tiles: Tile[] = [];
  for (const i of order.slice(0, n)) {
    const r = await ds.getItem(i, Rng.derive(o.seed, o.epoch, i));
    if (!r) continue;
    const label = typeof r.gt_label === 'number' ? r.gt_label : ds.getAnnInfo(i).gt_label;
    const { rgb, h, w } = toDisplayRgb(r, norm);
    tiles.push({ rgb, h, w, label: `${i} ${ds.CLASSES[label] ?? label}` });
  }
  const grid = makeGrid(tiles);
  await sharp(Buffer.from(grid.rgb.buffer), { raw: { width: grid.w, height: grid.h, channels: 3 } }).png().toFile(o.out);
  console.log(`saved ${tiles.length} samples of ${ds.name} (${o.split}) to ${path.resolve(o.out)}`);
}

main().catch((e) => {
  console.error(`browse-dataset: ${(e as Error).message}`);
  process.exitCode = 1;
});
