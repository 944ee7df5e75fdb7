/**
 * Per-kernel timings of our wasm training kernels against the stock wasm
 * kernels (where tfjs-backend-wasm has one) and the matmul GFLOP/s of the
 * wasm backend with all threads and with one thread (a child process started
 * with FER_MM_WASM_THREADS=1), on APViT / IR-50 shapes.
 *
 *   npx tsx tools/benchmark-kernels.ts [--batch 2] [--min-time 0.5] [--json] [--no-single]
 */
import { execFileSync } from 'child_process';
import { Command } from 'commander';
import * as os from 'os';
import * as path from 'path';
import { tf } from '../src/tf';
import { initBackend } from '../src/backend/backend';
import { stockKernel } from '../src/backend/wasm-kernels/kernel-utils';
import { wasmThreadsInfo } from '../src/backend/wasm-threads';

interface KernelRow {
  kernel: string;
  shape: string;
  gflop: number;
  oursMs: number;
  stockMs: number | null;
  speedup: number | null;
  oursGflops: number;
}

interface Report {
  backend: string;
  threads: number;
  cpus: number;
  matmul: Array<{ n: number; ms: number; gflops: number }>;
  matmulSingleThread?: Array<{ n: number; ms: number; gflops: number }>;
  kernels: KernelRow[];
}

/** Median wall time (ms) of `fn`, repeated until `minTime` seconds or 50 runs (after one warm-up). */
function time(fn: () => void, minTime: number): number {
  fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 3 || (performance.now() - start < minTime * 1000 && samples.length < 50)) {
    const t0 = performance.now();
    fn();
    samples.push(performance.now() - t0);
  }
  samples.sort((a, b) => a - b);
  return samples[Math.floor(samples.length / 2)];
}

function rand(shape: number[]): tf.Tensor {
  return tf.randomNormal(shape, 0, 1, 'float32', 7);
}

type Attrs = Record<string, unknown>;
const be = () => tf.backend() as unknown as { disposeData(id: unknown): void };

function runOurs(name: string, inputs: Record<string, tf.Tensor>, attrs: Attrs): void {
  const out = tf.engine().runKernel(name, inputs as tf.NamedTensorMap, attrs as tf.NamedAttrMap) as tf.Tensor;
  out.dispose();
}

function runStock(name: string, inputs: Record<string, tf.Tensor>, attrs: Attrs): void {
  const k = stockKernel(name);
  if (!k) throw new Error(`no stock ${name}`);
  const out = k({ inputs, backend: tf.backend(), attrs });
  for (const o of Array.isArray(out) ? out : [out]) be().disposeData(o.dataId);
}

export function matmulRates(sizes: number[], minTime: number): Array<{ n: number; ms: number; gflops: number }> {
  return sizes.map((n) => {
    const a = rand([n, n]);
    const b = rand([n, n]);
    const ms = time(() => tf.matMul(a, b).dispose(), minTime);
    tf.dispose([a, b]);
    return { n, ms, gflops: (2 * n ** 3) / (ms * 1e6) };
  });
}

function kernelRows(batch: number, minTime: number): KernelRow[] {
  const rows: KernelRow[] = [];
  const bench = (kernel: string, shape: string, gflop: number, inputs: Record<string, tf.Tensor>, attrs: Attrs, hasStock: boolean) => {
    const oursMs = time(() => runOurs(kernel, inputs, attrs), minTime);
    const stockMs = hasStock ? time(() => runStock(kernel, inputs, attrs), minTime) : null;
    rows.push({ kernel, shape, gflop, oursMs, stockMs, speedup: stockMs === null ? null : stockMs / oursMs, oursGflops: gflop / (oursMs / 1e3) });
    tf.dispose(Object.values(inputs));
  };
  const B = batch;
  // ViT attention: [B*8, 161, 96]
  const h = B * 8;
  bench('BatchMatMul', `[${h},161,96]x[${h},161,96]^T`, (2 * h * 161 * 161 * 96) / 1e9,
    { a: rand([h, 161, 96]), b: rand([h, 161, 96]) }, { transposeA: false, transposeB: true }, true);
  bench('BatchMatMul', `[${h},161,161]^T x[${h},161,96]`, (2 * h * 161 * 161 * 96) / 1e9,
    { a: rand([h, 161, 161]), b: rand([h, 161, 96]) }, { transposeA: true, transposeB: false }, true);
  bench('BatchMatMul', `[${B * 161},768]x[3072,768]^T (MLP fc1)`, (2 * B * 161 * 768 * 3072) / 1e9,
    { a: rand([1, B * 161, 768]), b: rand([1, 3072, 768]) }, { transposeA: false, transposeB: true }, true);
  bench('BatchMatMul', `[${B * 161},768]^T x[${B * 161},3072] (fc1 weight grad)`, (2 * B * 161 * 768 * 3072) / 1e9,
    { a: rand([1, B * 161, 768]), b: rand([1, B * 161, 3072]) }, { transposeA: true, transposeB: false }, true);
  // IR-50 3x3 64->64 at 56x56
  const convFlop = (2 * B * 56 * 56 * 9 * 64 * 64) / 1e9;
  bench('Conv2DBackpropFilter', `x[${B},56,56,64] 3x3x64x64 s1`, convFlop,
    { x: rand([B, 56, 56, 64]), dy: rand([B, 56, 56, 64]) }, { strides: 1, pad: 1, dataFormat: 'NHWC', filterShape: [3, 3, 64, 64] }, false);
  bench('Conv2DBackpropInput', `dy[${B},56,56,64] 3x3x64x64 s1`, convFlop,
    { dy: rand([B, 56, 56, 64]), filter: rand([3, 3, 64, 64]) }, { inputShape: [B, 56, 56, 64], strides: 1, pad: 1, dataFormat: 'NHWC' }, true);
  const s2Flop = (2 * B * 28 * 28 * 9 * 64 * 128) / 1e9;
  bench('Conv2DBackpropFilter', `x[${B},56,56,64] 3x3x64x128 s2`, s2Flop,
    { x: rand([B, 56, 56, 64]), dy: rand([B, 28, 28, 128]) }, { strides: 2, pad: 1, dataFormat: 'NHWC', filterShape: [3, 3, 64, 128] }, false);
  bench('Conv2DBackpropInput', `dy[${B},28,28,128] 3x3x64x128 s2`, s2Flop,
    { dy: rand([B, 28, 28, 128]), filter: rand([3, 3, 64, 128]) }, { inputShape: [B, 56, 56, 64], strides: 2, pad: 1, dataFormat: 'NHWC' }, true);
  bench('DepthwiseConv2dNativeBackpropFilter', `x[${B},28,28,64] 3x3 s1`, (2 * B * 28 * 28 * 9 * 64) / 1e9,
    { x: rand([B, 28, 28, 64]), dy: rand([B, 28, 28, 64]) }, { strides: 1, dilations: 1, pad: 1, filterShape: [3, 3, 64, 1] }, false);
  const ids = tf.tensor1d(Array.from({ length: B * 160 }, (_, i) => (i * 37) % (B * 196)), 'int32');
  bench('UnsortedSegmentSum', `[${B * 160},768] -> ${B * 196} segments`, (B * 160 * 768) / 1e9,
    { x: rand([B * 160, 768]), segmentIds: ids }, { numSegments: B * 196 }, false);
  return rows;
}

function singleThreadMatmul(sizes: number[], minTime: number): Array<{ n: number; ms: number; gflops: number }> | undefined {
  const tsx = path.resolve(__dirname, '..', 'node_modules', '.bin', 'tsx');
  try {
    const out = execFileSync(tsx, [__filename, '--matmul-only', '--json', '--min-time', String(minTime), '--sizes', sizes.join(',')], {
      env: { ...process.env, FER_MM_WASM_THREADS: '1' },
      encoding: 'utf8',
      maxBuffer: 16 << 20,
    });
    return (JSON.parse(out) as Report).matmul;
  } catch (e) {
    console.error(`single-thread run failed: ${(e as Error).message}`);
    return undefined;
  }
}

async function main(): Promise<void> {
  const program = new Command()
    .name('benchmark-kernels')
    .description('wasm training kernels: ours vs stock, and wasm matmul GFLOP/s with all threads vs one')
    .option('--batch <n>', 'batch size of the model shapes', '2')
    .option('--min-time <s>', 'seconds per measurement', '0.5')
    .option('--sizes <list>', 'square matmul sizes', '256,512,1024')
    .option('--no-single', 'skip the single-thread child run')
    .option('--matmul-only', 'only the matmul rates (used for the single-thread child)')
    .option('--json', 'print JSON');
  program.parse();
  const o = program.opts<{ batch: string; minTime: string; sizes: string; single: boolean; matmulOnly?: boolean; json?: boolean }>();
  const batch = Number(o.batch);
  const minTime = Number(o.minTime);
  const sizes = o.sizes.split(',').map(Number);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`--batch must be a positive integer, got '${o.batch}'`);
  if (!(minTime > 0)) throw new Error(`--min-time must be > 0, got '${o.minTime}'`);
  if (sizes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error(`--sizes must be positive integers, got '${o.sizes}'`);

  await initBackend('wasm');
  const report: Report = { backend: 'wasm', threads: wasmThreadsInfo().threads, cpus: os.cpus().length, matmul: matmulRates(sizes, minTime), kernels: [] };
  if (!o.matmulOnly) {
    report.kernels = kernelRows(batch, minTime);
    if (o.single && report.threads > 1) report.matmulSingleThread = singleThreadMatmul(sizes, minTime);
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const f = (v: number | null | undefined, d = 1) => (v === null || v === undefined ? '-' : v.toFixed(d));
  console.log(`wasm backend, ${report.threads} thread(s) on ${report.cpus} CPU(s)${wasmThreadsInfo().reason ? ` (${wasmThreadsInfo().reason})` : ''}`);
  console.log('\nmatmul n x n x n       ms   GFLOP/s' + (report.matmulSingleThread ? '   1-thread GFLOP/s' : ''));
  report.matmul.forEach((m, i) => {
    const s = report.matmulSingleThread?.[i];
    console.log(`  ${String(m.n).padEnd(18)} ${f(m.ms, 2).padStart(8)} ${f(m.gflops).padStart(9)}${s ? f(s.gflops).padStart(19) : ''}`);
  });
  if (report.kernels.length) {
    console.log('\nkernel                               shape                                      ours ms  stock ms  speedup  GFLOP/s');
    for (const r of report.kernels) {
      console.log(`  ${r.kernel.padEnd(35)} ${r.shape.padEnd(42)} ${f(r.oursMs, 2).padStart(8)} ${f(r.stockMs, 2).padStart(9)} ${(r.speedup === null ? 'n/a' : `${f(r.speedup)}x`).padStart(8)} ${f(r.oursGflops).padStart(8)}`);
    }
    console.log('  (stock "-": tfjs-backend-wasm 4.22 has no such kernel)');
  }
}

// importable (tools/benchmark.ts uses matmulRates) without running the CLI
if (require.main === module) {
  main().catch((e) => {
    console.error((e as Error).message);
    process.exit(1);
  });
}
