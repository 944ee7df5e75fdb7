/**
 * Distributed benchmark: ring all-reduce time per MB, and training step time
 * at 1, 2 and 4 (or --workers) processes on one machine with the gradient
 * all-reduce after the backward and overlapped with it (DIST_OVERLAP=1),
 * with the share of the step spent waiting on communication.
 *
 *   npx tsx tools/benchmark-dist.ts [CONFIG] [--workers 1,2,4] [--steps 5]
 *     [--sizes-mb 1,16,64] [--samples-per-gpu N] [--backend NAME] [--bucket-size-mb 25]
 *     [--overlap both|on|off]
 *
 * CONFIG defaults to configs/apvit/demo.ts. Training uses synthetic batches
 * (random images at the config's img_size, random labels), so the numbers are
 * model compute + gradient all-reduce + optimizer, without data loading.
 * `--toy` benchmarks a built-in MLP instead of a config.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { launchWorkers } from '../src/distributed/launcher';
import { initDist } from '../src/distributed/init';
import type { TfDist } from '../src/distributed/tf-dist';
import { tf } from '../src/tf';
import { locateConfigFile } from '../src/config';

interface Opts {
  workers: string;
  steps: string;
  sizesMb: string;
  samplesPerGpu?: string;
  backend?: string;
  bucketSizeMb: string;
  toy?: boolean;
  overlap: string;
  role?: string;
  out?: string;
}

interface RankReport {
  worldSize: number;
  backend: string;
  model: string;
  params: number;
  gradMb: number;
  batchPerGpu: number;
  imgSize: number;
  allReduce: Array<{ mb: number; ms: number; msPerMb: number }>;
  stepMs: number;
  allReduceMsPerStep: number;
  samplesPerSec: number;
  overlap: boolean;
}

const median = (a: number[]) => [...a].sort((x, y) => x - y)[Math.floor(a.length / 2)];

async function buildWorkload(configFile: string | undefined, opts: Opts) {
  if (opts.toy || !configFile) {
    // A BN-free MLP with ~4.5M parameters on 3x56x56 inputs.
    const { Rng } = await import('../src/utils/rng');
    const rng = new Rng(0);
    const mk = (shape: number[]) => tf.variable(tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.normal() * 0.01), shape), true);
    const dims = [3 * 56 * 56, 512, 256, 7];
    const params: Array<[string, tf.Variable]> = [];
    for (let i = 0; i + 1 < dims.length; i++) {
      params.push([`fc${i}.weight`, mk([dims[i + 1], dims[i]])], [`fc${i}.bias`, mk([dims[i + 1]])]);
    }
    const model = {
      namedParameters: () => params,
      namedBuffers: () => [] as Array<[string, tf.Variable]>,
      forwardTrain(img: tf.Tensor4D, gt: tf.Tensor1D) {
        let h: tf.Tensor = img.reshape([img.shape[0], -1]);
        for (let i = 0; i < params.length; i += 2) {
          h = tf.add(tf.matMul(h, params[i][1], false, true), params[i + 1][1]);
          if (i + 2 < params.length) h = tf.relu(h);
        }
        return { loss: tf.losses.softmaxCrossEntropy(tf.oneHot(gt, 7), h) as tf.Scalar };
      },
    };
    const lr = 0.01;
    const step = (grads: Record<string, tf.Tensor>) =>
      tf.tidy(() => {
        for (const [n, v] of params) if (grads[n]) v.assign(tf.sub(v, tf.mul(grads[n], lr)));
      });
    return { name: 'toy MLP (3x56x56 -> 512 -> 256 -> 7)', model, step, imgSize: 56, batch: Number(opts.samplesPerGpu ?? 16) };
  }
  await import('../src');
  const { loadRunConfig } = await import('../src/runner/api/cli');
  const { buildClassifier, buildRunOptimizer } = await import('../src/runner/api/build');
  const { Logger } = await import('../src/runner/logger');
  const config = loadRunConfig(configFile, undefined, new Logger({ level: 'WARNING' }));
  const cfg = config.cfg as Record<string, unknown> & { data: { samples_per_gpu: number }; img_size?: number };
  const model = await buildClassifier(cfg, { loadPretrained: false });
  const optimizer = buildRunOptimizer(model, cfg);
  // the input size the model was built for (APViT configs: model.extractor.input_size)
  const extractor = (cfg.model as { extractor?: { input_size?: number[] } } | undefined)?.extractor;
  const imgSize = Number((cfg as { img_size?: number }).img_size ?? extractor?.input_size?.[0] ?? 56);
  return {
    name: path.relative(process.cwd(), configFile),
    model,
    step: (g: Record<string, tf.Tensor>) => optimizer.step(g),
    imgSize,
    batch: Number(opts.samplesPerGpu ?? cfg.data.samples_per_gpu),
  };
}

async function rankMain(configFile: string | undefined, opts: Opts): Promise<void> {
  const dist = (await initDist('pytorch', { bucketSizeMb: Number(opts.bucketSizeMb) })) as TfDist;
  try {
    const { initBackend } = await import('../src/backend/backend');
    const backend = await initBackend(opts.backend);
    const W = dist.worldSize;
    // 1. raw all-reduce
    const allReduce: RankReport['allReduce'] = [];
    for (const mb of opts.sizesMb ? opts.sizesMb.split(',').map(Number) : []) {
      const buf = new Float32Array(Math.round((mb * 1024 * 1024) / 4)).fill(dist.rank + 1);
      await dist.pg.allReduce(buf, { average: true }); // warm-up
      const times: number[] = [];
      for (let i = 0; i < 3; i++) {
        await dist.barrier();
        const t0 = performance.now();
        await dist.pg.allReduce(buf, { average: true });
        times.push(performance.now() - t0);
      }
      const ms = median(times);
      allReduce.push({ mb, ms, msPerMb: ms / mb });
    }
    // 2. training steps on synthetic batches
    const w = await buildWorkload(configFile, opts);
    const { trainStep } = await import('../src/runner/train-step');
    await dist.broadcastWeights(w.model);
    const params = w.model.namedParameters().filter(([, v]) => v.trainable);
    const nParams = params.reduce((s, [, v]) => s + v.size, 0);
    const b = w.batch;
    const img = new Float32Array(b * w.imgSize * w.imgSize * 3).map(() => Math.random() * 2 - 1);
    const labels = Int32Array.from({ length: b }, (_, i) => (i + dist.rank) % 7);
    const batch = { img: { data: img, shape: [b, w.imgSize, w.imgSize, 3] }, gt_label: labels, indices: [] as number[] };
    const steps = Number(opts.steps);
    let reduceMs = 0;
    let total = 0;
    for (let s = 0; s <= steps; s++) {
      await dist.barrier();
      const t0 = performance.now();
      const out = trainStep(w.model as never, batch, params);
      const t1 = performance.now();
      const avg = W > 1 ? await dist.allReduceMeanGrads(out.grads) : out.grads;
      const t2 = performance.now();
      w.step(avg);
      for (const t of Object.values(out.grads)) t.dispose();
      if (avg !== out.grads) for (const t of Object.values(avg)) t.dispose();
      const t3 = performance.now();
      if (s > 0) {
        // step 0 is warm-up
        reduceMs += t2 - t1;
        total += t3 - t0;
      }
    }
    const stepMs = total / steps;
    const report: RankReport = {
      worldSize: W,
      backend,
      model: w.name,
      params: nParams,
      gradMb: (nParams * 4) / 2 ** 20,
      batchPerGpu: b,
      imgSize: w.imgSize,
      allReduce,
      stepMs,
      allReduceMsPerStep: reduceMs / steps,
      samplesPerSec: (W * b * 1000) / stepMs,
      overlap: W > 1 && process.env.DIST_OVERLAP === '1',
    };
    if (dist.rank === 0 && opts.out) fs.writeFileSync(opts.out, JSON.stringify(report));
    await dist.destroy();
  } catch (e) {
    await dist.fail(String((e as Error).stack ?? e));
    throw e;
  }
}

async function main(): Promise<void> {
  const program = new Command('benchmark-dist')
    .argument('[config]', 'config to benchmark (default configs/apvit/demo.ts)')
    .option('--workers <list>', 'process counts to compare', '1,2,4')
    .option('--steps <n>', 'timed training steps', '5')
    .option('--sizes-mb <list>', 'all-reduce buffer sizes in MB', '1,16,64')
    .option('--samples-per-gpu <n>', 'per-process batch (default: the config\'s data.samples_per_gpu)')
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: best present)')
    .option('--bucket-size-mb <mb>', 'all-reduce bucket size', '25')
    .option('--toy', 'benchmark a built-in MLP instead of a config')
    .option('--overlap <mode>', 'gradient all-reduce after the backward (off), overlapped with it (on), or both', 'both')
    .option('--role <role>', 'internal: rank')
    .option('--out <file>', 'internal: where rank 0 writes its report')
    .option('--launcher <name>', 'internal');
  program.parse(process.argv);
  const opts = program.opts<Opts>();
  const root = path.resolve(__dirname, '..');
  let configFile: string | undefined = opts.toy ? undefined : path.resolve(program.args[0] ?? path.join(root, 'configs/apvit/demo.ts'));
  if (configFile && !fs.existsSync(configFile) && program.args[0]) {
    try {
      configFile = locateConfigFile(program.args[0]); // an installed package's config
    } catch {
      // reported below
    }
  }
  if (configFile && !fs.existsSync(configFile)) {
    process.stderr.write(`benchmark-dist: ${configFile} not found; benchmarking the toy MLP instead\n`);
    configFile = undefined;
  }
  if (opts.role === 'rank') {
    await rankMain(configFile, opts);
    return;
  }
  const reports: RankReport[] = [];
  const passthrough = ['--steps', opts.steps, '--sizes-mb', opts.sizesMb, '--bucket-size-mb', opts.bucketSizeMb];
  if (opts.samplesPerGpu) passthrough.push('--samples-per-gpu', opts.samplesPerGpu);
  if (opts.backend) passthrough.push('--backend', opts.backend);
  if (!configFile) passthrough.push('--toy');
  if (!['both', 'on', 'off'].includes(opts.overlap)) throw new Error(`--overlap must be both, on or off, got ${opts.overlap}`);
  const modes = opts.overlap === 'both' ? ['0', '1'] : [opts.overlap === 'on' ? '1' : '0'];
  for (const w of opts.workers.split(',').map(Number)) {
    for (const overlap of w > 1 ? modes : ['0']) {
      const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dist-')), 'report.json');
      // the raw all-reduce is measured once per process count
      const pass = overlap === '1' && modes.length > 1 ? passthrough.map((a, i) => (passthrough[i - 1] === '--sizes-mb' ? '' : a)) : passthrough;
      const args = [...(configFile ? [configFile] : []), ...pass, '--role', 'rank', '--out', out];
      const res = await launchWorkers({ script: __filename, args, nprocPerNode: w, env: { DIST_OVERLAP: overlap } });
      if (res.exitCode !== 0) throw new Error(`benchmark with ${w} worker(s) failed (exit ${res.exitCode})`);
      reports.push(JSON.parse(fs.readFileSync(out, 'utf8')) as RankReport);
    }
  }
  const r0 = reports[0];
  const lines = [
    `model: ${r0.model} (${(r0.params / 1e6).toFixed(2)} M params, ${r0.gradMb.toFixed(1)} MB of gradients), backend ${r0.backend}, ` +
      `${os.cpus().length} CPU cores, load average ${os.loadavg()[0].toFixed(1)}`,
    '',
    'all-reduce (ring, mean, in-place Float32Array):',
    ...reports
      .filter((r) => r.worldSize > 1)
      .flatMap((r) => r.allReduce.map((a) => `  ${r.worldSize} workers  ${String(a.mb).padStart(5)} MB  ${a.ms.toFixed(1).padStart(8)} ms  ${a.msPerMb.toFixed(2)} ms/MB`)),
    '',
    `training (synthetic ${r0.imgSize}x${r0.imgSize} batches, ${r0.batchPerGpu} per process; comm wait = time in allReduceMeanGrads):`,
    '  | ranks | gradient all-reduce | ms/step | comm wait ms/step | comm wait share | samples/s |',
    '  |---|---|---|---|---|---|',
    ...reports.map(
      (r) =>
        `  | ${r.worldSize} | ${r.worldSize === 1 ? 'none' : r.overlap ? 'overlapped with backward' : 'after backward (ring)'} | ${r.stepMs.toFixed(0)} | ` +
        `${r.allReduceMsPerStep.toFixed(0)} | ${((100 * r.allReduceMsPerStep) / r.stepMs).toFixed(0)}% | ${r.samplesPerSec.toFixed(1)} |`,
    ),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
