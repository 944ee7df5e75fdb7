/**
 * Train and test one config once per seed and print a markdown table of the
 * final test accuracy (mean and range), so a claim like "top-1 >= 90 % on
 * every seed" is one command away from being checked.
 *
 *   npx tsx tools/seed-sweep.ts CONFIG [--seeds 0-4] [--work-dir work_dirs/sweep/<folder>-<name>]
 *     [--backend NAME] [--cfg-options k=v ...] [--out FILE.md]
 *
 * Each seed runs `tools/train.ts CONFIG --seed S --no-validate` and then
 * `tools/test.ts` on the last checkpoint (the config's test split), one after
 * the other in child processes, so one seed's failure or memory does not
 * affect the next. A seed whose `<work-dir>/seed_S/test.json` already exists is
 * read, not retrained (delete the folder to rerun it).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Command } from 'commander';
import { locateConfigFile } from '../src/config';

const ROOT = path.resolve(__dirname, '..');
/** Band around ln(C) that counts as "still at chance" in the loss column. */
const CHANCE_BAND = 0.05;

/** `0-4`, `0,2,5` or `1-3,7` → sorted unique seeds. */
export function parseSeeds(spec: string): number[] {
  const out = new Set<number>();
  for (const part of spec.split(',')) {
    const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!m) throw new Error(`--seeds: expected a list like 0-4 or 0,2,5, got '${spec}'`);
    const a = Number(m[1]);
    const b = m[2] !== undefined ? Number(m[2]) : a;
    if (b < a) throw new Error(`--seeds: range '${part.trim()}' runs backwards`);
    for (let s = a; s <= b; s++) out.add(s);
  }
  return [...out].sort((x, y) => x - y);
}

export interface SeedResult {
  seed: number;
  top1: number;
  top2?: number;
  /** First logged (epoch, inner iteration) whose training loss is below ln(C) - band; null if never. */
  plateauExit: { epoch: number; iter: number } | null;
  trainSec?: number;
}

/** Reads the train records of a `.log.json` (one JSON object a line, the first is the meta line). */
export function readTrainRecords(logJson: string): Array<Record<string, number | string>> {
  return fs
    .readFileSync(logJson, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, number | string>)
    .filter((r) => r.mode === 'train');
}

/** The first logged record whose loss left the band around ln(numClasses) (the log's epoch and iter). */
export function plateauExit(records: Array<Record<string, number | string>>, numClasses: number): { epoch: number; iter: number } | null {
  const lnC = Math.log(numClasses);
  for (const r of records) {
    const loss = typeof r.ce_loss === 'number' ? r.ce_loss : r.loss;
    if (typeof loss === 'number' && loss < lnC - CHANCE_BAND) return { epoch: Number(r.epoch), iter: Number(r.iter) };
  }
  return null;
}

/** Markdown table of per-seed results plus a mean / range row. */
export function formatTable(results: SeedResult[]): string {
  const f = (x: number | undefined) => (x === undefined ? '-' : x.toFixed(2));
  const exit = (e: SeedResult['plateauExit']) => (e ? `epoch ${e.epoch}, iter ${e.iter}` : 'never');
  const lines = [`| seed | top-1 (%) | top-2 (%) | loss first below ln(C) − ${CHANCE_BAND} | train time (s) |`, '|---|---|---|---|---|'];
  for (const r of results) {
    lines.push(`| ${r.seed} | ${f(r.top1)} | ${f(r.top2)} | ${exit(r.plateauExit)} | ${r.trainSec === undefined ? '-' : r.trainSec.toFixed(0)} |`);
  }
  const t1 = results.map((r) => r.top1);
  if (t1.length) {
    const mean = t1.reduce((a, b) => a + b, 0) / t1.length;
    lines.push(`| **mean (range)** | **${mean.toFixed(2)}** (${Math.min(...t1).toFixed(2)}-${Math.max(...t1).toFixed(2)}) | | | |`);
  }
  return lines.join('\n');
}

interface Opts {
  seeds: string;
  workDir?: string;
  backend?: string;
  cfgOptions?: string[];
  out?: string;
}

function run(args: string[], logFile: string): number {
  // The child's output goes to a per-seed log; only the summary is printed here.
  const fd = fs.openSync(logFile, 'a');
  try {
    const r = spawnSync(process.execPath, [...process.execArgv, ...args], { cwd: process.cwd(), stdio: ['ignore', fd, fd] });
    return r.status ?? 1;
  } finally {
    fs.closeSync(fd);
  }
}

function newestLogJson(dir: string): string | undefined {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.log.json')).sort();
  return files.length ? path.join(dir, files[files.length - 1]) : undefined;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('seed-sweep')
    .description('train + test a config once per seed and print a markdown table of the test accuracy')
    .argument('<config>', 'config file')
    .option('--seeds <list>', 'seeds: 0-4, 0,2,5 or 1-3,7', '0-4')
    .option('--work-dir <dir>', 'parent of the per-seed work dirs (default work_dirs/sweep/<config folder>-<config basename>)')
    .option('--backend <name>', 'tensorflow, wasm or cpu (passed to train and test)')
    .option('--cfg-options <pairs...>', 'override config keys for every seed: a.b=1 c.0.d=x')
    .option('--out <file>', 'also write the table to this file')
    .exitOverride();
  try {
    program.parse(argv);
  } catch (e) {
    return (e as { exitCode?: number }).exitCode ?? 2;
  }
  const opts = program.opts<Opts>();
  let config = program.args[0];
  let seeds: number[];
  try {
    seeds = parseSeeds(opts.seeds);
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  try {
    config = locateConfigFile(config); // a path or an installed package's config
  } catch (e) {
    process.stderr.write(`${(e as Error).message}\n`);
    return 2;
  }
  // folder + name: configs/apvit/demo.ts and configs/transfer/demo.ts must not share a default
  const defaultName = `${path.basename(path.dirname(path.resolve(config)))}-${path.basename(config, path.extname(config))}`;
  const base = path.resolve(opts.workDir ?? path.join('work_dirs', 'sweep', defaultName));
  const backend = opts.backend ? ['--backend', opts.backend] : [];
  const cfgOpts = opts.cfgOptions?.length ? ['--cfg-options', ...opts.cfgOptions] : [];
  const results: SeedResult[] = [];
  for (const seed of seeds) {
    const dir = path.join(base, `seed_${seed}`);
    const testJson = path.join(dir, 'test.json');
    const timing = path.join(dir, 'train_time.json');
    fs.mkdirSync(dir, { recursive: true });
    const childLog = path.join(dir, 'sweep.log');
    if (!fs.existsSync(testJson)) {
      process.stderr.write(`seed ${seed}: training -> ${dir}\n`);
      const t0 = Date.now();
      const trainArgs = [path.join(ROOT, 'tools/train.ts'), config, '--seed', String(seed), '--work-dir', dir, '--no-validate', ...backend, ...cfgOpts];
      if (run(trainArgs, childLog) !== 0) {
        process.stderr.write(`seed ${seed}: training failed, see ${childLog}\n`);
        return 1;
      }
      fs.writeFileSync(timing, JSON.stringify({ train_s: (Date.now() - t0) / 1000 }));
      const testArgs = [
        path.join(ROOT, 'tools/test.ts'), config, path.join(dir, 'latest'),
        '--metrics', 'accuracy', '--metric-options', 'topk=[1,2]', '--out', testJson, '--out-items', 'none', ...backend, ...cfgOpts,
      ];
      if (run(testArgs, childLog) !== 0) {
        process.stderr.write(`seed ${seed}: testing failed, see ${childLog}\n`);
        return 1;
      }
    } else {
      process.stderr.write(`seed ${seed}: reading the finished run in ${dir}\n`);
    }
    const metrics = JSON.parse(fs.readFileSync(testJson, 'utf8')) as Record<string, number>;
    const logJson = newestLogJson(dir);
    const records = logJson ? readTrainRecords(logJson) : [];
    const meta = logJson ? (JSON.parse(fs.readFileSync(logJson, 'utf8').split('\n')[0]) as { CLASSES?: string[] }) : {};
    const numClasses = meta.CLASSES?.length ?? 7;
    const r: SeedResult = {
      seed,
      top1: metrics['accuracy_top-1'],
      top2: metrics['accuracy_top-2'],
      plateauExit: plateauExit(records, numClasses),
      trainSec: fs.existsSync(timing) ? (JSON.parse(fs.readFileSync(timing, 'utf8')) as { train_s: number }).train_s : undefined,
    };
    results.push(r);
    process.stderr.write(`seed ${seed}: top-1 ${r.top1.toFixed(2)} %\n`);
  }
  const table = formatTable(results);
  const header = `${path.relative(ROOT, path.resolve(config))}, seeds ${seeds.join(', ')}${opts.cfgOptions?.length ? `, --cfg-options ${opts.cfgOptions.join(' ')}` : ''}`;
  process.stdout.write(`\n${header}\n\n${table}\n`);
  if (opts.out) fs.writeFileSync(opts.out, `${header}\n\n${table}\n`);
  return 0;
}

if (require.main === module) {
  main(process.argv).then(
    (code) => process.exit(code),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
