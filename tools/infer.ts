/**
 * Classify image files with a config's test pipeline and a checkpoint.
 *
 *   npx tsx tools/infer.ts CONFIG CHECKPOINT IMG [IMG...] [--out FILE.json] [--batch-size N] [--backend NAME] [--no-strict] [--debug]
 *   npx tsx tools/infer.ts CONFIG CHECKPOINT PHOTO [PHOTO...] --detect [--out FILE.json] [--show-dir DIR]
 *
 * Prints one line per image: file, predicted class, score. `--out` writes a
 * JSON array `{file, pred_label, pred_class, pred_score, class_scores}` in
 * argument order. The config's `pretrained` files are not loaded. The model
 * is built once; images are read, predicted and written one batch at a time,
 * so memory does not grow with the number of images.
 *
 * `--detect` treats the images as photos: every face is detected, aligned to
 * the training framing and classified. `--out` then holds one entry per photo,
 * `{file, width, height, faces: [{box, landmarks, score, probabilities,
 * pred_label, pred_class, pred_score}], message?}` (`message: 'no face found'`
 * when `faces` is empty), and `--show-dir` writes each photo with its boxes and
 * labels as DIR/<name>.png.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import '../src';
import { DEBUG_ENV, describeError } from '../src/runner/api/cli-errors';
import { loadRunConfig, selectBackend } from '../src/runner/api/cli';
import { inferFiles } from '../src/runner/api/infer';
import { inferPhotos } from './lib/infer-photos';
import { initModel } from '../src/runner/api/test';
import { Logger } from '../src/runner/logger';
import { ProgressBar } from '../src/runner/progress';
import { parseArgv, runMain } from './lib/cli';

async function main(argv: string[]): Promise<number> {
  const program = new Command('infer')
    .description('classify images with a trained model')
    .argument('<config>', 'config file')
    .argument('<checkpoint>', 'checkpoint (ours or an official .pth)')
    .argument('<images...>', 'image files')
    .option('--out <file>', 'write the predictions as a JSON array')
    .option('--detect', 'the images are photos: detect, align and classify every face')
    .option('--show-dir <dir>', 'with --detect: write each photo with its face boxes and labels here')
    .option('--batch-size <n>', 'images per forward pass', '16')
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the best present)')
    .option('--cfg-options <pairs...>', 'override config keys: a.b=1 c.0.d=x')
    .option('--no-strict', 'load what matches when model parameters are missing or mis-shaped in the checkpoint (mmcv behaviour) instead of failing')
    .option('--debug', `print the stack of an error (or set ${DEBUG_ENV}=1)`);
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const opts = program.opts<{ out?: string; detect?: boolean; showDir?: string; batchSize: string; backend?: string; cfgOptions?: string[]; strict: boolean }>();
  const [configFile, checkpoint, ...images] = program.args;
  const logger = new Logger();
  let outFd: number | undefined;
  try {
    const batchSize = Number(opts.batchSize);
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`--batch-size must be a positive integer, got '${opts.batchSize}'`);
    if (opts.showDir && !opts.detect) throw new Error('--show-dir needs --detect');
    await selectBackend(opts.backend, logger);
    const config = loadRunConfig(configFile, opts.cfgOptions, logger);
    const model = await initModel(config.cfg, checkpoint, logger, { strict: opts.strict });
    if (opts.out) {
      fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
      outFd = fs.openSync(opts.out, 'w');
      fs.writeSync(outFd, '[');
    }
    const bar = new ProgressBar(images.length, 'infer', { logger, lines: true });
    let first = true;
    const write = (entry: unknown) => {
      if (outFd !== undefined) fs.writeSync(outFd, `${first ? '\n' : ',\n'}${JSON.stringify(entry)}`);
      first = false;
    };
    try {
      if (opts.detect) {
        const faceless = await inferPhotos(model, images, { showDir: opts.showDir, logger, onPhoto: (r, done) => (write(r), bar.update(done)) });
        if (faceless) logger.warn(`infer: no face found in ${faceless} of ${images.length} photos`);
      } else await inferFiles(model, images, {
        batchSize,
        logger,
        onBatch: (res, done) => {
          for (const r of res) {
            process.stdout.write(`${r.file}\t${r.pred_class}\t${r.pred_score.toFixed(4)}\n`);
            write(r);
          }
          bar.update(done);
        },
      });
    } finally {
      bar.stop();
    }
    if (outFd !== undefined) {
      fs.writeSync(outFd, '\n]\n');
      fs.closeSync(outFd);
      outFd = undefined;
      logger.info(`wrote ${images.length} predictions to ${opts.out}`);
    }
    return 0;
  } catch (e) {
    if (outFd !== undefined) fs.closeSync(outFd);
    logger.error(describeError(e));
    return 1;
  }
}

runMain(main);
