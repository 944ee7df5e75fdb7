/**
 * Model-level speed: images/s of a config's model in inference or training,
 * the achieved GFLOP/s against an analytic FLOP count, the same backend's
 * matmul GFLOP/s measured in the same run, tensors alive before/after the
 * iterations, and peak RSS.
 *
 *   npx tsx tools/benchmark.ts configs/apvit/RAF.ts [--backend wasm] [--batch 2] [--mode infer|train|both] [--iters 3] [--json]
 *     [--compare-torch [--torch-python PY]] [--profile [N]]
 *
 * `--profile` runs one more step under tfjs's profiler after the timed ones
 * and prints the N kernels (default 15) that took longest, summed by kernel
 * with their call counts; time spent outside registered kernels (JavaScript,
 * TensorFlow ops a function runs directly) is the step's wall time minus
 * their sum.
 *
 * `--compare-torch` also runs tools/torch/apvit_bench.py (a PyTorch timing
 * stand-in of the official APViT: same layers, shapes and FLOPs) with the
 * same batch, mode and iterations right after ours, in the same run, and
 * prints both rates and their ratio (best iteration each, as the torch
 * script reports). PY is a Python with torch (default: .venv-torch/bin/python
 * when present, else python3).
 *
 * Memory: each mode runs in a process of its own (`--mode both` starts one
 * per mode, like the torch script), so its peak RSS is that mode's alone.
 * After each phase of the last timed iteration (forward; training also
 * backward and the optimizer step) it records the bytes of live tensors, the
 * resident set and the peak resident set during that phase
 * (tools/lib/memory-trace.ts); the torch script reports the same phases.
 *
 * FLOPs: 2 x the multiply-accumulates of every conv and matmul kernel the
 * model runs in one batch-1 forward pass (tools/lib/flops.ts, the counter of
 * tools/get-flops.ts, so it follows the config; APViT on 112x112 is about
 * 25.3 GFLOP, spec §10). A training step (forward + backward + an SGD
 * momentum update, like the torch script's) is counted as 3x the forward
 * (forward + input gradients + weight gradients). Elementwise ops are not counted. Inference runs the eval fast path
 * (cached/folded weights, see src/nn/fast-inference.ts); set
 * FER_MM_FAST_INFERENCE=0 to time the plain path.
 */
import * as os from 'os';
import { spawn } from 'child_process';
import { Command } from 'commander';
import '../src';
import { tf } from '../src/tf';
import { initBackend } from '../src/backend/backend';
import { wasmThreadsInfo } from '../src/backend/wasm-threads';
import { loadRunConfig } from '../src/runner/api/cli';
import { buildModel } from '../src/runner/api/build';
import { Logger } from '../src/runner/logger';
import { matmulRates } from './benchmark-kernels';
import { moduleCosts } from './lib/flops';
import type { Module } from '../src/nn/module';
import { SGD } from '../src/optim/sgd';
import { variableGradsReleasing } from '../src/nn/tape-release';
import { runTorchBench, defaultTorchPython, type TorchResult } from './torch/compare';
import { MemoryTrace, peakRssMiB, type PhaseMemory } from './lib/memory-trace';

import type { Dict } from '../src/utils/dict';

interface Model {
  train(mode?: boolean): unknown;
  eval(): unknown;
  forwardTrain(img: tf.Tensor4D, gt: tf.Tensor1D): Record<string, tf.Scalar>;
  simpleTest(img: tf.Tensor4D): tf.Tensor2D;
  namedParameters(): Array<[string, tf.Variable]>;
  dispose?(): void;
}

function imageSize(cfg: Dict): number {
  const model = (cfg.model ?? {}) as Dict;
  const ex = (model.extractor ?? model.backbone ?? {}) as Dict;
  const s = ex.input_size ?? ex.img_size;
  if (Array.isArray(s) && typeof s[0] === 'number') return s[0];
  if (typeof s === 'number') return s;
  return 112;
}

function numClasses(cfg: Dict): number {
  const head = ((cfg.model ?? {}) as Dict).head as Dict | undefined;
  return typeof head?.num_classes === 'number' ? head.num_classes : 7;
}

type Mode = 'infer' | 'train';

interface Report {
  config: string;
  backend: string;
  threads?: number;
  mode: Mode;
  batch: number;
  imgSize: number;
  iters: number;
  msPerIter: number;
  imagesPerSec: number;
  /** Images/s of the fastest timed iteration (what the torch script reports). */
  bestImagesPerSec: number;
  gflopPerImageForward: number;
  achievedGflops: number;
  matmulGflops: number;
  ratio: number;
  tensorsBefore: number;
  tensorsAfter: number;
  leakedPerIter: number;
  /** Peak resident set of this mode's process. */
  peakRssMiB: number;
  /** Phases of the last timed iteration. */
  memory: PhaseMemory[];
  /** 1-minute load average at the end (the machine may be shared: compare runs at similar load). */
  loadAvg1: number;
  /** `--profile`: one profiled step. */
  profile?: KernelProfile;
  torch?: TorchResult & { ratio: number; peakRatio: number };
}

interface KernelProfile {
  wallMs: number;
  kernels: Array<{ kernel: string; ms: number; calls: number }>;
  /** Sum over every registered kernel (not only the listed ones). */
  kernelMs: number;
}

/**
 * Kernel time of one `step` by kernel name. tfjs also lists ops and custom
 * gradients (`*__op`, `unnamed scope`) whose time includes the kernels they
 * run: those are left out so that nothing is counted twice.
 */
async function profileStep(step: () => void, top: number): Promise<KernelProfile> {
  const t0 = performance.now();
  const info = await tf.profile(step);
  const wallMs = performance.now() - t0;
  const by = new Map<string, { ms: number; calls: number }>();
  for (const k of info.kernels) {
    if (k.name.endsWith('__op') || k.name === 'unnamed scope') continue;
    const e = by.get(k.name) ?? { ms: 0, calls: 0 };
    e.ms += Number(k.kernelTimeMs) || 0;
    e.calls++;
    by.set(k.name, e);
  }
  const kernels = [...by].map(([kernel, e]) => ({ kernel, ...e })).sort((a, b) => b.ms - a.ms);
  return { wallMs, kernels: kernels.slice(0, top), kernelMs: kernels.reduce((a, k) => a + k.ms, 0) };
}

async function benchMode(file: string, cfg: Dict, backend: string, mode: Mode, batch: number, iters: number, size: number, profileTop = 0): Promise<Report> {
  const classes = numClasses(cfg);
  const model = (await buildModel(cfg, { loadPretrained: false })) as unknown as Model;

  // analytic FLOPs of one image, counted in eval mode (no running-stat updates)
  model.eval();
  const flopsPerImage = 2 * (await moduleCosts(model as unknown as Module, () => tf.tidy(() => model.simpleTest(tf.zeros([1, size, size, 3]))))).totalMacs;
  const flopsPerIter = flopsPerImage * batch * (mode === 'train' ? 3 : 1);

  const img = tf.randomNormal([batch, size, size, 3], 0, 1, 'float32', 1) as tf.Tensor4D;
  const gt = tf.tensor1d(Array.from({ length: batch }, (_, i) => i % classes), 'int32');
  const named = model.namedParameters().filter(([, v]) => v.trainable);
  const params = named.map(([, v]) => v);
  const byVar = new Map(named.map(([n, v]) => [v.name, n]));
  const sgd = new SGD({ lr: 1e-3, momentum: 0.9 }).bindParams([{ names: named.map(([n]) => n) }], new Map(named));
  let trace = new MemoryTrace();
  let peak = peakRssMiB();
  const step = mode === 'infer'
    ? () => {
      trace = new MemoryTrace();
      tf.tidy(() => { model.simpleTest(img).dataSync(); });
      trace.mark('forward');
      peak = Math.max(peak, trace.peakMiB);
    }
    : () => {
      trace = new MemoryTrace();
      const { value, grads } = variableGradsReleasing(() => {
        const losses = model.forwardTrain(img, gt);
        return tf.addN(Object.entries(losses).filter(([k]) => k.includes('loss')).map(([, v]) => v)) as tf.Scalar;
      }, params, { afterForward: () => trace.mark('forward') });
      trace.mark('backward');
      const byName: Record<string, tf.Tensor> = {};
      for (const [vn, g] of Object.entries(grads)) byName[byVar.get(vn)!] = g;
      sgd.step(byName);
      value.dataSync(); // the step is done when its loss can be read
      tf.dispose([value, ...Object.values(grads)]);
      trace.mark('step');
      peak = Math.max(peak, trace.peakMiB);
    };
  if (mode === 'train') model.train(); else model.eval();
  step(); // warm-up (kernel setup, weight packing, optimizer state)
  const tensorsBefore = tf.memory().numTensors;
  const times: number[] = [];
  for (let i = 0; i < iters; i++) {
    const t0 = performance.now();
    step();
    times.push(performance.now() - t0);
  }
  const tensorsAfter = tf.memory().numTensors;
  const profile = profileTop > 0 ? await profileStep(step, profileTop) : undefined;
  const secPerIter = times.reduce((a, b) => a + b, 0) / times.length / 1e3;
  const achieved = flopsPerIter / secPerIter / 1e9;
  const mm = matmulRates([1024], 0.5)[0];
  tf.dispose([img, gt]);
  sgd.dispose();
  model.dispose?.();
  return {
    config: file,
    backend,
    threads: backend === 'wasm' ? wasmThreadsInfo().threads : undefined,
    mode,
    batch,
    imgSize: size,
    iters,
    msPerIter: secPerIter * 1e3,
    imagesPerSec: batch / secPerIter,
    bestImagesPerSec: batch / (Math.min(...times) / 1e3),
    gflopPerImageForward: flopsPerImage / 1e9,
    achievedGflops: achieved,
    matmulGflops: mm.gflops,
    ratio: achieved / mm.gflops,
    tensorsBefore,
    tensorsAfter,
    leakedPerIter: (tensorsAfter - tensorsBefore) / iters,
    peakRssMiB: peak,
    memory: trace.phases,
    loadAvg1: os.loadavg()[0],
    profile,
  };
}

function printReport(r: Report): void {
  const f = (v: number, d = 2) => v.toFixed(d);
  console.log(`${r.config} on ${r.backend}${r.threads ? ` (${r.threads} threads)` : ''}, ${r.mode}, batch ${r.batch}, ${r.imgSize}x${r.imgSize}, ${r.iters} iters`);
  console.log(`  ${f(r.msPerIter, 1)} ms/iter, ${f(r.imagesPerSec)} images/s (best iteration ${f(r.bestImagesPerSec)})`);
  console.log(`  ${f(r.gflopPerImageForward)} GFLOP per image forward; achieved ${f(r.achievedGflops)} GFLOP/s`);
  console.log(`  matmul 1024^3 on ${r.backend}: ${f(r.matmulGflops)} GFLOP/s; ratio ${f(r.ratio * 100, 1)}%`);
  console.log(`  tensors ${r.tensorsBefore} -> ${r.tensorsAfter} (${f(r.leakedPerIter, 1)} per iter); peak RSS ${f(r.peakRssMiB, 0)} MiB; load average ${f(r.loadAvg1)}`);
  const torchPhases = new Map((r.torch?.memory ?? []).map((p) => [p.phase, p]));
  for (const p of r.memory) {
    const t = torchPhases.get(p.phase);
    const theirs = t ? `; PyTorch RSS ${f(t.rssMiB, 0)}, peak ${f(t.peakRssMiB, 0)}` : '';
    console.log(`  after ${p.phase.padEnd(8)} tensors ${f(p.tensorMiB, 0)} MiB, RSS ${f(p.rssMiB, 0)} MiB, peak during it ${f(p.peakRssMiB, 0)} MiB${theirs}`);
  }
  if (r.profile) {
    const p = r.profile;
    console.log(`  profiled step: ${f(p.wallMs, 0)} ms wall, ${f(p.kernelMs, 0)} ms in registered kernels, ${f(p.wallMs - p.kernelMs, 0)} ms outside them`);
    for (const k of p.kernels) console.log(`    ${k.kernel.padEnd(28)} ${f(k.ms, 1).padStart(9)} ms ${String(k.calls).padStart(6)} calls ${f((100 * k.ms) / p.wallMs, 1).padStart(5)}%`);
  }
  if (r.torch) {
    console.log(`  PyTorch stand-in (${r.torch.threads} threads): ${f(r.torch.imagesPerSec)} images/s, peak RSS ${f(r.torch.peakRssMiB, 0)} MiB`);
    console.log(`  ours / PyTorch: speed ${f(r.torch.ratio)}x, peak RSS ${f(r.torch.peakRatio)}x`);
  }
}

async function main(): Promise<void> {
  const program = new Command()
    .name('benchmark')
    .description('images/s, achieved vs matmul GFLOP/s, tensor leaks and peak RSS of a config\'s model')
    .argument('<config>', 'config file, e.g. configs/apvit/RAF.ts')
    .option('--backend <name>', 'auto | tensorflow | wasm | cpu (default: best available)')
    .option('--batch <n>', 'batch size', '2')
    .option('--mode <mode>', 'infer | train | both', 'infer')
    .option('--iters <n>', 'timed iterations (after one warm-up)', '3')
    .option('--img-size <n>', 'input size (default: from the config, else 112)')
    .option('--compare-torch', 'also time the PyTorch stand-in (tools/torch/apvit_bench.py) in the same run and print the ratio')
    .option('--torch-python <py>', 'Python with torch for --compare-torch (default: .venv-torch/bin/python if present, else python3)')
    .option('--profile [n]', 'after the timed steps, profile one more and print the n slowest kernels (default 15)')
    .option('--json', 'print JSON');
  program.parse();
  const file = program.args[0];
  const o = program.opts<{ backend?: string; batch: string; mode: string; iters: string; imgSize?: string; json?: boolean; compareTorch?: boolean; torchPython?: string; profile?: boolean | string }>();
  const batch = Number(o.batch);
  const iters = Number(o.iters);
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`--batch must be a positive integer, got '${o.batch}'`);
  if (!Number.isInteger(iters) || iters < 1) throw new Error(`--iters must be a positive integer, got '${o.iters}'`);
  if (o.mode !== 'infer' && o.mode !== 'train' && o.mode !== 'both') throw new Error(`--mode must be infer, train or both, got '${o.mode}'`);
  const modes: Mode[] = o.mode === 'both' ? ['infer', 'train'] : [o.mode];
  const profileTop = o.profile === undefined || o.profile === false ? 0 : o.profile === true ? 15 : Number(o.profile);
  if (!Number.isInteger(profileTop) || profileTop < 0) throw new Error(`--profile takes a count of kernels to list, got '${String(o.profile)}'`);

  const logger = new Logger({});
  const backend = await initBackend(o.backend);
  const { cfg } = loadRunConfig(file, undefined, logger);
  const size = o.imgSize ? Number(o.imgSize) : imageSize(cfg as Dict);
  const reports: Report[] = [];
  for (const mode of modes) {
    // one process per mode: its peak RSS is its own (the torch script also runs once per mode)
    const r = modes.length > 1 ? await benchModeInChild(mode) : await benchMode(file, cfg as Dict, backend, mode, batch, iters, size, profileTop);
    if (o.compareTorch) {
      const t = await runTorchBench({ python: o.torchPython ?? defaultTorchPython(), batch, iters, train: mode === 'train' });
      r.torch = { ...t, ratio: r.bestImagesPerSec / t.imagesPerSec, peakRatio: r.peakRssMiB / t.peakRssMiB };
    }
    reports.push(r);
    if (!o.json) printReport(r);
  }
  if (o.json) process.stdout.write(`${JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)}\n`);
}

/** This script again for one mode (same arguments, `--mode <mode> --json`, no torch), in a process of its own. */
function benchModeInChild(mode: Mode): Promise<Report> {
  const args = process.argv.slice(2).filter((a, i, all) => !['--mode', '--torch-python'].includes(all[i - 1]) && !['--mode', '--json', '--compare-torch', '--torch-python'].includes(a));
  const argv = [...process.execArgv, process.argv[1], ...args, '--mode', mode, '--json'];
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => {
      const start = out.indexOf('{');
      if (code !== 0 || start < 0) reject(new Error(`benchmark --mode ${mode} exited ${code}:\n${out.trim()}`));
      else resolve(JSON.parse(out.slice(start)) as Report);
    });
  });
}

main().catch((e) => {
  console.error((e as Error).message);
  process.exit(1);
});
