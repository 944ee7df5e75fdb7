/**
 * Peak memory of streaming inference against the number of images: runs
 * `tools/infer.ts` (as a child process, so each run has its own peak) on N
 * generated images for each N, with a randomly initialised model of CONFIG.
 *
 *   npx tsx tools/benchmark-infer.ts [CONFIG] [--counts 100 1000] [--size 112] [--batch-size 16] [--backend wasm]
 *
 * Prints N, wall time and the child's peak RSS (VmHWM from /proc/<pid>/status,
 * sampled every 50 ms over the process tree; Linux only). Flat memory means
 * the peak barely changes from 100 to 1000 images. Not a timed test.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import '../src';
import { saveCheckpoint } from '../src/checkpoint/load';
import { makeDemoData } from '../src/data/demo-data';
import { loadRunConfig, selectBackend } from '../src/runner/api/cli';
import { buildModel } from '../src/runner/api/build';
import { Logger } from '../src/runner/logger';

const ROOT = path.resolve(__dirname, '..');

/** The peak resident set (kB) the kernel recorded for `pid`, or NaN off Linux. */
function vmHwmKb(pid: number): number {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : NaN;
  } catch {
    return NaN;
  }
}

function runInfer(args: string[]): Promise<{ seconds: number; peakMb: number }> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    const child = spawn(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'tools/infer.ts'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    let peak = 0;
    let err = '';
    child.stderr.on('data', (d) => (err = (err + d).slice(-4000)));
    // tsx starts node as a grandchild: sample every process of the tree.
    const timer = setInterval(() => {
      for (const pid of treePids(child.pid!)) peak = Math.max(peak, vmHwmKb(pid) || 0);
    }, 50);
    child.on('exit', (code) => {
      clearInterval(timer);
      if (code !== 0) reject(new Error(`infer.ts exited with ${code}:\n${err}`));
      else resolve({ seconds: (Date.now() - t0) / 1000, peakMb: peak / 1024 });
    });
  });
}

/** `pid` and its descendants (Linux /proc). */
function treePids(pid: number): number[] {
  const out = [pid];
  try {
    const kids = fs.readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
    for (const k of kids) out.push(...treePids(k));
  } catch {
    /* gone already, or not Linux */
  }
  return out;
}

async function main(): Promise<void> {
  const program = new Command('benchmark-infer')
    .description('peak RSS of tools/infer.ts for several image counts')
    .argument('[config]', 'config whose model and test pipeline are used', 'configs/apvit/demo.ts')
    .option('--counts <n...>', 'image counts', ['100', '1000'])
    .option('--size <px>', 'generated image side', '112')
    .option('--batch-size <n>', 'images per forward pass', '16')
    .option('--backend <name>', 'backend for the model build and infer.ts', 'wasm')
    .parse(process.argv);
  const o = program.opts<{ counts: string[]; size: string; batchSize: string; backend: string }>();
  const counts = o.counts.map(Number);
  if (counts.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--counts must be positive integers, got ${o.counts.join(' ')}`);
  const logger = new Logger();
  await selectBackend(o.backend, logger);
  const config = loadRunConfig(program.args[0] ?? 'configs/apvit/demo.ts', undefined, logger);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-bench-infer-'));
  try {
    const max = Math.max(...counts);
    await makeDemoData(path.join(dir, 'data'), { train: 0, test: max, size: Number(o.size) });
    const model = await buildModel(config.cfg, { loadPretrained: false });
    const ckpt = saveCheckpoint(path.join(dir, 'random'), { stateDict: model.stateDict(), meta: {} });
    const imgDir = path.join(dir, 'data/Image/aligned');
    const files = fs.readdirSync(imgDir).sort().map((f) => path.join(imgDir, f));
    console.log(`${'images'.padStart(8)} ${'seconds'.padStart(8)} ${'peak RSS (MB)'.padStart(14)}`);
    for (const n of counts) {
      const r = await runInfer([program.args[0] ?? 'configs/apvit/demo.ts', ckpt, ...files.slice(0, n), '--backend', o.backend, '--batch-size', o.batchSize, '--out', path.join(dir, `out_${n}.json`)]);
      console.log(`${String(n).padStart(8)} ${r.seconds.toFixed(1).padStart(8)} ${r.peakMb.toFixed(0).padStart(14)}`);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((e) => {
  console.error(`benchmark-infer: ${(e as Error).message}`);
  process.exitCode = 1;
});
