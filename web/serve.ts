/**
 * `npm run web`: build the demo page and serve it with an exported model.
 *
 *   npm run web [-- --model DIR] [--port N] [--no-build]
 *
 * The model is DIR (an export of tools/export.ts), else web/model/, else the
 * checkpoint `npm run demo` trained (work_dirs/demo, configs/apvit/demo.ts),
 * exported to web/model/ first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import '../src';
import { exportModel } from '../src/export/write';
import { describeError } from '../src/runner/api/cli-errors';
import { selectBackend } from '../src/runner/api/cli';
import { initModel } from '../src/runner/api/test';
import { readLatest } from '../src/runner/checkpoint-io';
import { Logger } from '../src/runner/logger';
import { parseArgv } from '../tools/lib/cli';
import { WEB_DIR, buildPage } from './build';
import { serveStatic } from './server';

const ROOT = path.resolve(WEB_DIR, '..');

/** An export folder for the page: the given one, web/model, or the demo checkpoint exported to web/model. */
async function modelDir(given: string | undefined, logger: Logger): Promise<string> {
  if (given) {
    if (!fs.existsSync(path.join(given, 'model.json'))) throw new Error(`--model ${given}: no model.json there (make one with tools/export.ts)`);
    return path.resolve(given);
  }
  const dir = path.join(WEB_DIR, 'model');
  if (fs.existsSync(path.join(dir, 'model.json'))) return dir;
  const ckpt = readLatest(path.join(ROOT, 'work_dirs/demo'));
  if (!ckpt) throw new Error('no model: pass --model DIR (an export of tools/export.ts), or run `npm run demo` first to train the demo model');
  logger.info(`exporting the demo checkpoint ${ckpt} to ${dir}`);
  await selectBackend(undefined, logger);
  const m = await initModel(path.join(ROOT, 'configs/apvit/demo.ts'), ckpt, logger);
  await exportModel(m, dir);
  m.model.dispose?.();
  return dir;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('web')
    .description('build the demo page and serve it with an exported model')
    .option('--model <dir>', 'exported model folder (tools/export.ts --out)')
    .option('--port <n>', 'port on 127.0.0.1 (0: any free one)', '5173')
    .option('--no-build', 'serve web/dist as it is');
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const o = program.opts<{ model?: string; port: string; build: boolean }>();
  const logger = new Logger();
  try {
    const model = await modelDir(o.model, logger);
    if (o.build || !fs.existsSync(path.join(WEB_DIR, 'dist/index.html'))) {
      logger.info('building the page (vite build web)');
      await buildPage();
    }
    const server = await serveStatic(path.join(WEB_DIR, 'dist'), { '/model/': model }, Number(o.port));
    logger.info(`serving ${model} at ${server.url} (Ctrl+C stops)`);
    return await new Promise<number>(() => {});
  } catch (e) {
    logger.error(describeError(e));
    return 1;
  }
}

main(process.argv).then((code) => process.exit(code));
