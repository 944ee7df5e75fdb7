/**
 * The main job (`npm run demo`): generate the synthetic demo data if absent,
 * train the small APViT of `configs/apvit/demo.ts` on it, test the final
 * checkpoint and print the accuracy and the confusion matrix.
 *
 *   npm run demo [-- --backend NAME] [--data DIR] [--work-dir DIR] [--cfg-options k=v ...] [--seed N] [--validate]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import '../src';
import { DEMO_DATA_VERSION, makeDemoData } from '../src/data/demo-data';
import { confusionMatrix } from '../src/metrics/classification';
import { formatConfusionMatrix, saveConfusionMatrixPng } from '../src/metrics/confusion-png';
import { DEBUG_ENV, describeError } from '../src/runner/api/cli-errors';
import { loadRunConfig, selectBackend } from '../src/runner/api/cli';
import { testModel } from '../src/runner/api/test';
import { trainModel } from '../src/runner/api/train';
import { readLatest } from '../src/runner/checkpoint-io';
import { Logger } from '../src/runner/logger';
import { parseArgv, runMain } from './lib/cli';

const ROOT = path.resolve(__dirname, '..');
const TARGET_TOP1 = 90;
/** The demo set: images per split (balanced over the 7 classes), 112x112, seed 0. */
const DEMO_DATA = { train: 3000, test: 700, size: 112, seed: 0, version: DEMO_DATA_VERSION };

/** True when `dir` holds a demo set made with exactly these settings. */
function haveDemoData(dir: string, want: { train: number; test: number; size: number; seed: number; version: number }): { ok: boolean; why?: string } {
  const metaFile = path.join(dir, 'demo-meta.json');
  if (!fs.existsSync(path.join(dir, 'EmoLabel', 'train.txt')) || !fs.existsSync(path.join(dir, 'EmoLabel', 'test.txt'))) return { ok: false, why: 'absent' };
  if (!fs.existsSync(metaFile)) return { ok: false, why: 'no demo-meta.json' };
  const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
  for (const k of ['train', 'test', 'size', 'seed', 'version'] as const) {
    if (meta[k] !== want[k]) return { ok: false, why: `made with ${k}=${String(meta[k])}, the demo needs ${want[k]}` };
  }
  return { ok: true };
}

interface Opts {
  backend?: string;
  data: string;
  workDir: string;
  config: string;
  cfgOptions?: string[];
  seed: string;
  trainSize: string;
  testSize: string;
  validate?: boolean;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('demo')
    .description('generate demo data, train APViT-demo on it, test and report')
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the best present)')
    .option('--data <dir>', 'demo data folder (generated when absent)', 'data/demo')
    .option('--work-dir <dir>', 'work dir of the run', 'work_dirs/demo')
    .option('--config <file>', 'config to train', path.join(ROOT, 'configs/apvit/demo.ts'))
    .option('--cfg-options <pairs...>', 'override config keys: a.b=1 c.0.d=x')
    .option('--seed <n>', 'random seed', '0')
    .option('--validate', 'also evaluate after every epoch (the final test runs anyway; costs time)')
    .option('--train-size <n>', 'demo training images', String(DEMO_DATA.train))
    .option('--test-size <n>', 'demo test images', String(DEMO_DATA.test))
    .option('--debug', `print the stack of an error (or set ${DEBUG_ENV}=1)`);
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const opts = program.opts<Opts>();
  const logger = new Logger({ name: 'demo' });
  const t0 = Date.now();
  const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)} s`;
  try {
    const backend = await selectBackend(opts.backend, logger);
    const dataDir = path.resolve(opts.data);
    const want = { ...DEMO_DATA, train: Number(opts.trainSize), test: Number(opts.testSize) };
    const have = haveDemoData(dataDir, want);
    if (!have.ok) {
      logger.info(`generating the demo data in ${dataDir} (${have.why}) ...`);
      const s = await makeDemoData(dataDir, want);
      logger.info(`demo data: ${s.train} train + ${s.test} test images of ${s.size}x${s.size} (${elapsed()})`);
    } else {
      logger.info(`using the demo data in ${dataDir}`);
    }
    // Point the config's splits at the data folder (the config defaults to data/demo).
    const dataOpts = [
      `data.train.dataset.data_prefix=${path.join(dataDir, 'Image/aligned')}`,
      `data.train.dataset.ann_file=${path.join(dataDir, 'EmoLabel/train.txt')}`,
      `data.val.data_prefix=${path.join(dataDir, 'Image/aligned')}`,
      `data.val.ann_file=${path.join(dataDir, 'EmoLabel/test.txt')}`,
      `data.test.data_prefix=${path.join(dataDir, 'Image/aligned')}`,
      `data.test.ann_file=${path.join(dataDir, 'EmoLabel/test.txt')}`,
    ];
    const probe = loadRunConfig(opts.config, opts.cfgOptions, logger);
    const train = probe.cfg.data?.train;
    // A plain (unwrapped) train dataset takes the paths directly.
    const trainOpts = train && 'dataset' in train ? dataOpts : dataOpts.map((o) => o.replace('data.train.dataset.', 'data.train.'));
    const config = loadRunConfig(opts.config, [...trainOpts, ...(opts.cfgOptions ?? [])], logger);
    const workDir = path.resolve(opts.workDir);
    logger.info(`training ${path.relative(ROOT, config.filename)} -> ${workDir}`);
    const tTrain = Date.now();
    await trainModel(config, { workDir, seed: Number(opts.seed), backend, validate: Boolean(opts.validate) });
    const trainSec = (Date.now() - tTrain) / 1000;
    const ckpt = readLatest(workDir);
    if (!ckpt) throw new Error(`no checkpoint in ${workDir} after training (is checkpoint_config set?)`);
    logger.info(`testing ${path.relative(process.cwd(), ckpt)}`);
    const res = await testModel(config, ckpt, { metrics: ['accuracy', 'class_accuracy'], metricOptions: { topk: [1, 2] } });
    const cm = confusionMatrix(res.classScores, res.gtLabels!);
    const png = path.join(workDir, 'confusion_matrix.png');
    await saveConfusionMatrixPng(png, cm, res.CLASSES);
    const top1 = res.metrics['accuracy_top-1'] as number;
    const lines = [
      '',
      '================ APViT demo ================',
      `backend              : ${backend}`,
      `train time           : ${trainSec.toFixed(1)} s`,
      `total time           : ${elapsed()}`,
      `test images          : ${res.classScores.length}`,
      `top-1 accuracy       : ${top1.toFixed(2)} %  (target >= ${TARGET_TOP1} %)`,
      `top-2 accuracy       : ${(res.metrics['accuracy_top-2'] as number | undefined)?.toFixed(2) ?? '-'} %`,
      `per-class accuracy   : ${res.CLASSES.map((c, i) => `${c} ${(res.metrics.class_accuracy as number[])[i].toFixed(1)}`).join(', ')}`,
      '',
      'confusion matrix (rows: ground truth, columns: prediction):',
      formatConfusionMatrix(cm, res.CLASSES),
      '',
      `checkpoint: ${ckpt}`,
      `confusion matrix image: ${png}`,
      '',
    ];
    process.stdout.write(lines.join('\n'));
    return 0;
  } catch (e) {
    logger.error(describeError(e));
    return 1;
  }
}

runMain(main);
