/**
 * Classify image files with a config's test pipeline and a checkpoint.
 *
 *   npx tsx tools/infer.ts CONFIG CHECKPOINT IMG [IMG...] [--out FILE.json] [--backend NAME] [--no-strict] [--debug]
 *
 * Prints one line per image: file, predicted class, score. `--out` writes a
 * JSON array `{file, pred_label, pred_class, pred_score, class_scores}` in
 * argument order. The config's `pretrained` files are not loaded.
 */
import 'reflect-metadata';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import '../src';
import { DEBUG_ENV, describeError } from '../src/runner/api/cli-errors';
import { loadRunConfig, selectBackend } from '../src/runner/api/cli';
import { inferImages } from '../src/runner/api/infer';
import { Logger } from '../src/runner/logger';

async function main(argv: string[]): Promise<number> {
  const program = new Command('infer')
    .description('classify images with a trained model')
    .argument('<config>', 'config file')
    .argument('<checkpoint>', 'checkpoint (ours or an official .pth)')
    .argument('<images...>', 'image files')
    .option('--out <file>', 'write the predictions as a JSON array')
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the best present)')
    .option('--cfg-options <pairs...>', 'override config keys: a.b=1 c.0.d=x')
    .option('--no-strict', 'load what matches when model parameters are missing or mis-shaped in the checkpoint (mmcv behaviour) instead of failing')
    .option('--debug', `print the stack of an error (or set ${DEBUG_ENV}=1)`)
    .exitOverride();
  try {
    program.parse(argv);
  } catch (e) {
    return (e as { exitCode?: number }).exitCode ?? 2;
  }
  const opts = program.opts<{ out?: string; backend?: string; cfgOptions?: string[]; strict: boolean }>();
  const [configFile, checkpoint, ...images] = program.args;
  const logger = new Logger();
  try {
    await selectBackend(opts.backend, logger);
    const config = loadRunConfig(configFile, opts.cfgOptions, logger);
    const res = await inferImages(config.cfg, checkpoint, images, logger, undefined, { strict: opts.strict });
    for (const r of res) process.stdout.write(`${r.file}\t${r.pred_class}\t${r.pred_score.toFixed(4)}\n`);
    if (opts.out) {
      fs.mkdirSync(path.dirname(path.resolve(opts.out)), { recursive: true });
      fs.writeFileSync(opts.out, JSON.stringify(res, null, 1));
    }
    return 0;
  } catch (e) {
    logger.error(describeError(e));
    return 1;
  }
}

main(process.argv).then(
  (code) => process.exit(code),
  (e) => {
    console.error(describeError(e));
    process.exit(1);
  },
);
