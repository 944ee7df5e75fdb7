/**
 * Train a model from a config (mmcls 0.x `tools/train.py` flags).
 *
 *   npx tsx tools/train.ts CONFIG [--work-dir D] [--resume-from CKPT | --resume]
 *     [--load-from CKPT] [--no-validate] [--seed N] [--deterministic]
 *     [--cfg-options k=v ...] [--launcher none|multi-gpu|pytorch|slurm|mpi] [--gpus N] [--backend NAME]
 *     [--device cpu|cuda] [--gpu-id N] [--diff-seed] [--auto-resume] [--local_rank N]
 *
 * Work dir (default work_dirs/<config basename>): the resolved config,
 * `<ts>.log`, `<ts>.log.json`, `epoch_N.safetensors`, `best_*`, `latest`.
 */
import './lib/engine-precheck'; // first: a multi-process run without any engine stops before the framework loads
import { Command, Option } from 'commander';
import '../src';
import { trainModel } from '../src/runner/api/train';
import { DEBUG_ENV, describeError } from '../src/runner/api/cli-errors';
import { loadRunConfig, selectBackend } from '../src/runner/api/cli';
import { launch } from '../src/runner/launch';
import '../src/distributed'; // registers the multi-process launchers with launch()
import { Logger } from '../src/runner/logger';
import { finishDist } from '../src/distributed/finish';
import { addDeviceFlags, applyDeviceFlags, launchRank, LAUNCHER_HELP, type DeviceOpts } from './lib/mmcls-flags';
import { parseArgv, runMain } from './lib/cli';

interface Opts extends DeviceOpts {
  workDir?: string;
  autoResume?: boolean;
  diffSeed?: boolean;
  resumeFrom?: string;
  resume?: boolean | string;
  loadFrom?: string;
  validate: boolean;
  seed?: string;
  deterministic?: boolean;
  cfgOptions?: string[];
  launcher: string;
  gpus: string;
  stopAfter?: string;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('train')
    .description('train a model from a config')
    .argument('<config>', 'config file')
    .option('--work-dir <dir>', 'where logs and checkpoints go (default work_dirs/<config basename>)')
    .option('--resume-from <ckpt>', 'resume training exactly from this checkpoint')
    .option('--resume [ckpt]', "resume from CKPT, or from the work dir's `latest` when no path is given")
    .option('--load-from <ckpt>', 'initialise the weights from this checkpoint (no optimizer/epoch)')
    .option('--no-validate', 'do not evaluate during training')
    .option('--auto-resume', "resume from the work dir's `latest` when there is one (as --resume with no path)")
    .option('--seed <n>', 'random seed (default: drawn, and stored in the checkpoints)')
    .option('--diff-seed', 'give each rank a different seed (seed + rank)')
    .option('--deterministic', 'deterministic run (exact resume on the cpu backend)')
    .option('--cfg-options <pairs...>', 'override config keys: a.b=1 c.0.d=x')
    .option('--launcher <name>', LAUNCHER_HELP, 'none')
    .option('--gpus <n>', 'processes for --launcher multi-gpu', '1')
    .option('--nnodes <n>', '--launcher multi-gpu: machines in the job (torchrun; env NNODES)')
    .option('--node-rank <n>', '--launcher multi-gpu: index of this machine (torchrun; env NODE_RANK)')
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the best present)');
  addDeviceFlags(program, true)
    .addOption(new Option('--stop-after <n>', 'stop after N epochs/iters (simulates a killed run)').hideHelp())
    .option('--debug', `print the stack of an error (or set ${DEBUG_ENV}=1)`);
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const opts = program.opts<Opts>();
  const configFile = program.args[0];
  const logger = new Logger();
  let dist: unknown; // dist integration: closed cleanly or told of the error below
  try {
    if (opts.resumeFrom && opts.resume !== undefined) throw new Error('use either --resume-from CKPT or --resume [CKPT], not both');
    if (opts.resumeFrom && opts.autoResume) throw new Error('use either --resume-from CKPT or --auto-resume, not both');
    const wanted = applyDeviceFlags(opts, logger);
    // read before the launch: dist_params picks the collective engine
    const config = loadRunConfig(configFile, opts.cfgOptions, new Logger({ rank: launchRank(opts.launcher) }));
    const out = await launch(opts.launcher, { gpus: Number(opts.gpus), argv: process.argv.slice(1), backend: wanted, distParams: config.cfg.dist_params as Record<string, unknown> | undefined });
    if (out.role === 'parent') return out.exitCode;
    dist = out.dist;
    const runLogger = new Logger({ rank: out.dist.rank });
    const backend = await selectBackend(wanted, runLogger);
    const seed = opts.seed !== undefined ? parseIntStrict(opts.seed, '--seed') : undefined;
    await trainModel(config, {
      workDir: opts.workDir,
      resumeFrom: opts.resumeFrom ?? (typeof opts.resume === 'string' ? opts.resume : undefined),
      autoResume: opts.resume === true || opts.autoResume === true,
      loadFrom: opts.loadFrom,
      validate: opts.validate,
      seed,
      diffSeed: opts.diffSeed,
      deterministic: opts.deterministic,
      dist: out.dist,
      logger: runLogger,
      backend,
      stopAfter: opts.stopAfter !== undefined ? parseIntStrict(opts.stopAfter, '--stop-after') : undefined,
    });
    await finishDist(dist);
    return 0;
  } catch (e) {
    logger.error(describeError(e));
    return finishDist(dist, e).catch(() => 1);
  }
}

function parseIntStrict(v: string, flag: string): number {
  if (!/^\d+$/.test(v)) throw new Error(`${flag} must be a non-negative integer, got '${v}'`);
  return Number(v);
}

runMain(main);
