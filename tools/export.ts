/**
 * Export a trained model for the browser (or any tfjs runtime):
 *
 *   npx tsx tools/export.ts CONFIG CHECKPOINT --out DIR [--dtype float32|float16|uint8] [--shard-size MB] [--backend NAME] [--cfg-options k=v ...]
 *
 * Writes DIR/model.json (the resolved model config, class names, the test
 * pipeline's preprocessing, the fer-mm version and the weights manifest) and
 * the weights as tfjs weight shards DIR/group1-shardKofN.bin (default 4 MB
 * each), float16 or per-tensor affine uint8 on request. Prints a size report.
 * Load it with `fer-mm`'s browser entry (`src/browser`) or `loadExportedModel`.
 */
import { Command, Option } from 'commander';
import '../src';
import { EXPORT_DTYPES, type ExportDType } from '../src/export/format';
import { exportModel, formatExportReport } from '../src/export/write';
import { DEBUG_ENV, describeError } from '../src/runner/api/cli-errors';
import { loadRunConfig, selectBackend } from '../src/runner/api/cli';
import { initModel } from '../src/runner/api/test';
import { Logger } from '../src/runner/logger';
import { ProgressBar } from '../src/runner/progress';
import { parseArgv, runMain } from './lib/cli';

async function main(argv: string[]): Promise<number> {
  const program = new Command('export')
    .description('export a trained model as model.json + tfjs weight shards (for the browser)')
    .argument('<config>', 'config file')
    .argument('<checkpoint>', 'checkpoint (ours or an official .pth)')
    .requiredOption('--out <dir>', 'folder to write model.json and the weight shards to')
    .addOption(new Option('--dtype <dtype>', 'weight encoding').choices([...EXPORT_DTYPES]).default('float32'))
    .option('--shard-size <MB>', 'largest weight shard in MB (HTTP caching works per file)', '4')
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the best present)')
    .option('--cfg-options <pairs...>', 'override config keys: a.b=1 c.0.d=x')
    .option('--debug', `print the stack of an error (or set ${DEBUG_ENV}=1)`);
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const opts = program.opts<{ out: string; dtype: ExportDType; shardSize: string; backend?: string; cfgOptions?: string[] }>();
  const [configFile, checkpoint] = program.args;
  const logger = new Logger();
  try {
    const shardMb = Number(opts.shardSize);
    if (!Number.isFinite(shardMb) || shardMb < 0.001) throw new Error(`--shard-size must be a number of MB >= 0.001, got '${opts.shardSize}'`);
    await selectBackend(opts.backend, logger);
    const config = loadRunConfig(configFile, opts.cfgOptions, logger);
    const model = await initModel(config.cfg, checkpoint, logger);
    const bar = new ProgressBar(model.model.stateDict().size, 'export', { logger, lines: true });
    let report;
    try {
      report = await exportModel(model, opts.out, { dtype: opts.dtype, shardBytes: Math.round(shardMb * 1024 * 1024), onProgress: (done) => bar.update(done) });
    } finally {
      bar.stop();
      model.model.dispose?.();
    }
    process.stdout.write(`${formatExportReport(report)}\n`);
    logger.info(`exported ${configFile} (${opts.dtype}) to ${opts.out}`);
    return 0;
  } catch (e) {
    logger.error(describeError(e));
    return 1;
  }
}

runMain(main);
