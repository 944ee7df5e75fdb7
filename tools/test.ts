/**
 * Test a checkpoint (ours or an official `.pth`) on the config's test split
 * (mmcls 0.x `tools/test.py` flags). The config's `pretrained` files are not
 * loaded.
 *
 *   npx tsx tools/test.ts CONFIG CHECKPOINT [--metrics accuracy class_accuracy ...]
 *     [--metric-options k=v ...] [--out FILE.json] [--out-items all|none|class_scores pred_score pred_label pred_class]
 *     [--cfg-options k=v ...] [--launcher none|multi-gpu|pytorch|slurm|mpi] [--gpus N] [--backend NAME] [--show-confusion FILE.png]
 *     [--show-dir DIR] [--device cpu|cuda] [--show] [--gpu-collect] [--tmpdir DIR] [--local_rank N] [--no-strict] [--debug]
 *
 * Weights load strictly: a model parameter missing from the checkpoint or of
 * another shape is an error (`--no-strict`: load what matches, like mmcv).
 */
import './lib/engine-precheck'; // first: a multi-process run without any engine stops before the framework loads
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { MetricOptions } from '../src/metrics/evaluate';
import '../src';
import { confusionMatrix } from '../src/metrics/classification';
import { formatConfusionMatrix, saveConfusionMatrixPng } from '../src/metrics/confusion-png';
import { DEBUG_ENV, describeError } from '../src/runner/api/cli-errors';
import { loadRunConfig, parseKeyValues, selectBackend } from '../src/runner/api/cli';
import { testModel } from '../src/runner/api/test';
import { launch } from '../src/runner/launch';
import '../src/distributed'; // registers the multi-process launchers with launch()
import { finishDist } from '../src/distributed/finish';
import { Logger } from '../src/runner/logger';
import { ProgressBar } from '../src/runner/progress';
import { writePng } from '../src/visualization/svg';
import { addDeviceFlags, applyDeviceFlags, launchRank, LAUNCHER_HELP, type DeviceOpts } from './lib/mmcls-flags';
import { sampleTile, testImages } from './lib/test-images';
import { parseArgv, runMain } from './lib/cli';

const OUT_ITEMS = ['class_scores', 'pred_score', 'pred_label', 'pred_class'];

interface Opts extends DeviceOpts {
  showDir?: string;
  show?: boolean;
  gpuCollect?: boolean;
  tmpdir?: string;
  metrics?: string[];
  metricOptions?: string[];
  out?: string;
  outItems?: string[];
  cfgOptions?: string[];
  launcher: string;
  gpus: string;
  showConfusion?: string;
  strict: boolean;
}

function fmt(v: number | number[]): string {
  return Array.isArray(v) ? `[${v.map((x) => x.toFixed(2)).join(', ')}]` : v.toFixed(2);
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('test')
    .description('evaluate a checkpoint on the test split')
    .argument('<config>', 'config file')
    .argument('<checkpoint>', 'checkpoint (.safetensors of ours, or an official .pth; `latest` pointer files work)')
    .option('--metrics <names...>', 'accuracy, class_accuracy, precision, recall, f1_score, support')
    .option('--metric-options <pairs...>', 'metric options, e.g. topk=[1,2] thrs=0.5 average_mode=none')
    .option('--out <file>', 'write predictions and metrics as JSON')
    .option('--out-items <items...>', `what --out holds besides metrics: all, none, or some of ${OUT_ITEMS.join(' ')}`, ['all'])
    .option('--cfg-options <pairs...>', 'override config keys: a.b=1 c.0.d=x')
    .option('--launcher <name>', LAUNCHER_HELP, 'none')
    .option('--gpus <n>', 'processes for --launcher multi-gpu', '1')
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the best present)')
    .option('--show-confusion <file>', 'save the confusion matrix as a PNG')
    .option('--show-dir <dir>', 'save every test image with its predicted class, score and true class as DIR/<name>.png')
    .option('--show', 'mmcls opens a window per image; there is no display here, so use --show-dir')
    .option('--gpu-collect', 'accepted for mmcls scripts: results are always gathered over the process group')
    .option('--tmpdir <dir>', 'accepted for mmcls scripts: no temporary result files are written')
    .option('--no-strict', 'load what matches when model parameters are missing or mis-shaped in the checkpoint (mmcv behaviour) instead of failing')
    .option('--debug', `print the stack of an error (or set ${DEBUG_ENV}=1)`);
  addDeviceFlags(program, false);
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const opts = program.opts<Opts>();
  const [configFile, checkpoint] = program.args;
  const logger = new Logger();
  let dist: unknown; // dist integration: closed cleanly or told of the error below
  try {
    if (!opts.metrics?.length && !opts.out && !opts.showConfusion && !opts.showDir) {
      throw new Error('give at least one of --metrics, --out, --show-dir or --show-confusion');
    }
    // Said once: by the single process, or by rank 0 of a group.
    if ((process.env.RANK ?? '0') === '0') {
      if (opts.show) logger.warn('--show: there is no display to open windows on; use --show-dir DIR to save the pictures');
      if (opts.gpuCollect) logger.info('--gpu-collect: results are always gathered over the process group here (no tmpdir)');
      if (opts.tmpdir) logger.info(`--tmpdir ${opts.tmpdir}: not used, results are gathered in memory`);
    }
    const wanted = applyDeviceFlags(opts, logger);
    const items = opts.outItems ?? ['all'];
    const bad = items.filter((i) => !['all', 'none', ...OUT_ITEMS].includes(i));
    if (bad.length) throw new Error(`--out-items: unknown ${bad.join(', ')}; use all, none or ${OUT_ITEMS.join(', ')}`);
    const metricOptions = parseKeyValues(opts.metricOptions, '--metric-options', MetricOptions);
    // read before the launch: dist_params picks the collective engine
    const config = loadRunConfig(configFile, opts.cfgOptions, new Logger({ rank: launchRank(opts.launcher) }));
    const out = await launch(opts.launcher, { gpus: Number(opts.gpus), argv: process.argv.slice(1), backend: wanted, distParams: config.cfg.dist_params as Record<string, unknown> | undefined });
    if (out.role === 'parent') return out.exitCode;
    dist = out.dist;
    const runLogger = new Logger({ rank: out.dist.rank });
    await selectBackend(wanted, runLogger);
    const res = await testModel(config, checkpoint, {
      metrics: opts.metrics,
      metricOptions,
      dist: out.dist,
      logger: runLogger,
      strict: opts.strict,
    });
    if (out.dist.rank !== 0) {
      await finishDist(dist);
      return 0;
    }
    for (const [k, v] of Object.entries(res.metrics)) process.stdout.write(`\n${k} : ${fmt(v)}`);
    if (Object.keys(res.metrics).length) process.stdout.write('\n');
    if (opts.out) {
      const selected = items.includes('all') ? OUT_ITEMS : items.includes('none') ? [] : items;
      const full: Record<string, unknown> = {
        class_scores: res.classScores.map((s) => Array.from(s)),
        pred_score: res.predScore,
        pred_label: res.predLabel,
        pred_class: res.predClass,
      };
      const json: Record<string, unknown> = {};
      for (const k of selected) json[k] = full[k];
      Object.assign(json, res.metrics);
      fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
      fs.writeFileSync(opts.out, JSON.stringify(json));
      runLogger.info(`dumped results to ${opts.out}`);
    }
    if (opts.showConfusion) {
      if (!res.gtLabels) throw new Error('--show-confusion: the test dataset has no labels');
      const cm = confusionMatrix(res.classScores, res.gtLabels);
      process.stdout.write(`\nconfusion matrix (rows: ground truth):\n${formatConfusionMatrix(cm, res.CLASSES)}\n`);
      await saveConfusionMatrixPng(opts.showConfusion, cm, res.CLASSES);
      runLogger.info(`saved the confusion matrix to ${opts.showConfusion}`);
    }
    if (opts.showDir) await showDir(opts.showDir, config.cfg, res, runLogger);
    await finishDist(dist);
    return 0;
  } catch (e) {
    logger.error(describeError(e));
    return finishDist(dist, e).catch(() => 1);
  }
}

/** mmcls `--show-dir`: every test image with its prediction and truth, as DIR/<image name>.png. */
async function showDir(dir: string, cfg: Record<string, unknown>, res: { predLabel: number[]; predScore: number[]; CLASSES: string[] }, logger: Logger): Promise<void> {
  const images = await testImages(cfg);
  if (images.length !== res.predLabel.length) throw new Error(`--show-dir: ${images.length} test images but ${res.predLabel.length} predictions`);
  fs.mkdirSync(dir, { recursive: true });
  const bar = new ProgressBar(images.length, 'show-dir', { logger, lines: true });
  try {
    for (let i = 0; i < images.length; i++) {
      const name = `${path.basename(images[i].file, path.extname(images[i].file))}.png`;
      await writePng(path.join(dir, name), await sampleTile(images[i], { label: res.predLabel[i], score: res.predScore[i] }, res.CLASSES));
      bar.update(i + 1);
    }
  } finally {
    bar.stop();
  }
  logger.info(`saved ${images.length} annotated test images to ${dir}`);
}

runMain(main);
