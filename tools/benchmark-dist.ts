/**
 * Distributed benchmark, per collective engine (Gloo under our launcher, MPI
 * under mpirun): all-reduce time and bus bandwidth per buffer size, measured
 * on the engine directly (raw) and through the process group and the
 * gradient path the runner uses; then the training step time at 1, 2 (or
 * --workers) processes with the gradient all-reduce after the backward and
 * overlapped with it (DIST_OVERLAP=1), with the share of the step spent
 * waiting on communication.
 *
 *   npx tsx tools/benchmark-dist.ts [CONFIG] [--engines gloo,mpi] [--workers 1,2] [--steps 5]
 *     [--sizes-mb 1,4,25,100] [--samples-per-gpu N] [--backend NAME] [--bucket-size-mb 25]
 *     [--overlap both|on|off] [--repeat 5]
 *
 * CONFIG defaults to configs/apvit/demo.ts. Training uses synthetic batches
 * (random images at the config's img_size, random labels), so the numbers are
 * model compute + gradient all-reduce + optimizer, without data loading.
 * `--toy` benchmarks a built-in MLP instead of a config.
 */
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import { launchWorkers, tsxExecArgv } from '../src/distributed/launcher';
import { initDist } from '../src/distributed/init';
import type { TfDist } from '../src/distributed/tf-dist';
import { tf } from '../src/tf';
import { locateConfigFile } from '../src/config';

interface Opts {
  engines: string;
  workers: string;
  steps: string;
  sizesMb: string;
  samplesPerGpu?: string;
  backend?: string;
  bucketSizeMb: string;
  toy?: boolean;
  overlap: string;
  repeat: string;
  role?: string;
  out?: string;
  launcher?: string;
}

interface AllReduceRow {
  mb: number;
  /** engine call on a raw Float32Array */
  rawMs: number;
  /** ProcessGroup.allReduce (what weights and buckets use) */
  groupMs: number;
  /** allReduceMeanGrads on tensors of that size (data() out, mean, tensors back) */
  gradsMs: number;
}

interface RankReport {
  engine: string;
  worldSize: number;
  backend: string;
  model: string;
  params: number;
  gradMb: number;
  batchPerGpu: number;
  imgSize: number;
  allReduce: AllReduceRow[];
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
  const { buildModel, buildRunOptimizer } = await import('../src/runner/api/build');
  const { Logger } = await import('../src/runner/logger');
  const config = loadRunConfig(configFile, undefined, new Logger({ level: 'WARNING' }));
  const cfg = config.cfg;
  const model = await buildModel(cfg, { loadPretrained: false });
  const optimizer = buildRunOptimizer(model, cfg);
  // the input size the model was built for (APViT configs: model.extractor.input_size)
  const extractor = (cfg.model as { extractor?: { input_size?: number[] } } | undefined)?.extractor;
  const imgSize = Number((cfg as { img_size?: number }).img_size ?? extractor?.input_size?.[0] ?? 56);
  return {
    name: path.relative(process.cwd(), configFile),
    model,
    step: (g: Record<string, tf.Tensor>) => optimizer.step(g),
    imgSize,
    batch: Number(opts.samplesPerGpu ?? cfg.data?.samples_per_gpu),
  };
}

async function rankMain(configFile: string | undefined, opts: Opts): Promise<void> {
  const launcher = opts.launcher ?? 'pytorch';
  const dist = (await initDist(launcher, { bucketSizeMb: Number(opts.bucketSizeMb), distParams: { backend: launcher === 'mpi' ? 'mpi' : 'gloo' } })) as TfDist;
  try {
    const { initBackend } = await import('../src/backend/backend');
    const backend = await initBackend(opts.backend);
    const W = dist.worldSize;
    const repeat = Number(opts.repeat);
    /** Median ms of each call, the calls interleaved so a slow moment of a shared machine hits all alike. */
    const timed = async (fns: Array<() => Promise<unknown>>) => {
      for (const fn of fns) await fn(); // warm-up
      const times = fns.map(() => [] as number[]);
      for (let i = 0; i < repeat; i++) {
        for (let k = 0; k < fns.length; k++) {
          await dist.barrier();
          const t0 = performance.now();
          await fns[k]();
          times[k].push(performance.now() - t0);
        }
      }
      return times.map(median);
    };
    // 1. all-reduce: the engine alone, the process group, the gradient path
    const allReduce: AllReduceRow[] = [];
    for (const mb of W > 1 && opts.sizesMb ? opts.sizesMb.split(',').map(Number) : []) {
      const n = Math.round((mb * 1024 * 1024) / 4);
      const buf = new Float32Array(n).fill(dist.rank + 1);
      const grads = { g: tf.fill([n], dist.rank + 1) };
      const [rawMs, groupMs, gradsMs] = await timed([
        () => dist.pg.engine.allReduceAsync(buf, 'mean'),
        () => dist.pg.allReduce(buf, { average: true }),
        async () => tf.dispose(Object.values(await dist.allReduceMeanGrads(grads))),
      ]);
      tf.dispose(grads.g);
      allReduce.push({ mb, rawMs, groupMs, gradsMs });
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
      engine: dist.engine,
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

/** Starts `n` ranks of this script on `engine` and returns rank 0's report. */
async function runRanks(engine: string, n: number, args: string[], env: Record<string, string>): Promise<RankReport> {
  const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-dist-')), 'report.json');
  const all = [...args, '--role', 'rank', '--out', out];
  let code: number;
  if (engine === 'gloo') {
    code = (await launchWorkers({ script: __filename, args: all, nprocPerNode: n, env })).exitCode;
  } else {
    const root = process.getuid?.() === 0 ? ['--allow-run-as-root'] : [];
    const mpi = ['-n', String(n), ...root, '--oversubscribe', '--bind-to', 'none', ...Object.keys(env).flatMap((k) => ['-x', `${k}=${env[k]}`])];
    const child = spawn('mpirun', [...mpi, process.execPath, ...tsxExecArgv(), __filename, ...all, '--launcher', 'mpi'], { stdio: 'inherit' });
    code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)));
  }
  if (code !== 0) throw new Error(`benchmark on ${engine} with ${n} process(es) failed (exit ${code})`);
  return JSON.parse(fs.readFileSync(out, 'utf8')) as RankReport;
}

/** Bus bandwidth of an all-reduce (NCCL tests' definition): 2 (W-1)/W x bytes / time. */
function busGBs(mb: number, ms: number, w: number): number {
  return ((2 * (w - 1)) / w) * ((mb * 2 ** 20) / (ms / 1000)) / 1e9;
}

async function main(): Promise<void> {
  const program = new Command('benchmark-dist')
    .argument('[config]', 'config to benchmark (default configs/apvit/demo.ts)')
    .option('--engines <list>', 'collective engines to compare (gloo under our launcher, mpi under mpirun)', 'gloo,mpi')
    .option('--workers <list>', 'process counts of the training step', '1,2')
    .option('--steps <n>', 'timed training steps', '5')
    .option('--sizes-mb <list>', 'all-reduce buffer sizes in MB (2 processes)', '1,4,25,100')
    .option('--repeat <n>', 'timed repetitions of each all-reduce (the median is shown)', '5')
    .option('--samples-per-gpu <n>', "per-process batch (default: the config's data.samples_per_gpu)")
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: best present)')
    .option('--bucket-size-mb <mb>', 'overlapped all-reduce bucket size', '25')
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
  const passthrough = ['--steps', opts.steps, '--bucket-size-mb', opts.bucketSizeMb, '--repeat', opts.repeat];
  if (opts.samplesPerGpu) passthrough.push('--samples-per-gpu', opts.samplesPerGpu);
  if (opts.backend) passthrough.push('--backend', opts.backend);
  if (!configFile) passthrough.push('--toy');
  if (configFile) passthrough.unshift(configFile);
  if (!['both', 'on', 'off'].includes(opts.overlap)) throw new Error(`--overlap must be both, on or off, got ${opts.overlap}`);
  const modes = opts.overlap === 'both' ? ['0', '1'] : [opts.overlap === 'on' ? '1' : '0'];
  const engines = opts.engines.split(',').filter(Boolean);
  const reports: RankReport[] = [];
  for (const engine of engines) {
    // the all-reduce table: 2 processes, once per engine
    if (opts.sizesMb) reports.push(await runRanks(engine, 2, [...passthrough, '--sizes-mb', opts.sizesMb, '--steps', '0'], { DIST_OVERLAP: '0' }));
    for (const w of opts.workers.split(',').map(Number)) {
      // one process needs no engine: measured once
      if (w === 1 && engine !== engines[0]) continue;
      for (const overlap of w > 1 ? modes : ['0']) reports.push(await runRanks(engine, w, [...passthrough, '--sizes-mb', ''], { DIST_OVERLAP: overlap }));
    }
  }
  const steps = reports.filter((r) => r.allReduce.length === 0);
  const r0 = steps[0] ?? reports[0];
  const lines = [
    `model: ${r0.model} (${(r0.params / 1e6).toFixed(2)} M params, ${r0.gradMb.toFixed(1)} MB of gradients), backend ${r0.backend}, ` +
      `${os.cpus().length} CPU cores, load average ${os.loadavg()[0].toFixed(1)}`,
    '',
    `all-reduce between 2 processes, float32 mean, median of ${opts.repeat} (bus bandwidth = 2(W-1)/W x size / time):`,
    '  | engine | MB | engine alone ms | process group ms | allReduceMeanGrads ms | bus GB/s (process group) |',
    '  |---|---|---|---|---|---|',
    ...reports.flatMap((r) =>
      r.allReduce.map(
        (a) =>
          `  | ${r.engine} | ${a.mb} | ${a.rawMs.toFixed(1)} | ${a.groupMs.toFixed(1)} | ${a.gradsMs.toFixed(1)} | ${busGBs(a.mb, a.groupMs, r.worldSize).toFixed(2)} |`,
      ),
    ),
    '',
    `training (synthetic ${r0.imgSize}x${r0.imgSize} batches, ${r0.batchPerGpu} per process; comm wait = time in allReduceMeanGrads):`,
    '  | engine | ranks | gradient all-reduce | ms/step | comm wait ms/step | comm wait share | samples/s |',
    '  |---|---|---|---|---|---|---|',
    ...steps.map(
      (r) =>
        `  | ${r.worldSize === 1 ? '-' : r.engine} | ${r.worldSize} | ${r.worldSize === 1 ? 'none' : r.overlap ? 'overlapped with backward' : 'after backward'} | ${r.stepMs.toFixed(0)} | ` +
        `${r.allReduceMsPerStep.toFixed(0)} | ${((100 * r.allReduceMsPerStep) / r.stepMs).toFixed(0)}% | ${r.samplesPerSec.toFixed(1)} |`,
    ),
  ];
  process.stdout.write(lines.join('\n') + '\n');
}

main().catch((e) => {
  process.stderr.write(`${(e as Error).stack ?? e}\n`);
  process.exit(1);
});
