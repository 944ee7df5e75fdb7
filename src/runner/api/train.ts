/**
 * `trainModel`: the mmcls 0.x `tools/train.py` + `apis/train_model` job on a
 * resolved config. Work dir (resolved config dump, `<ts>.log`,
 * `<ts>.log.json`, `epoch_N` checkpoints, `best_*`, `latest`), seed,
 * model/data/optimizer, the runner with its default hooks, the eval hook,
 * then resume / load_from, then the workflow.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import '../../hooks';
import { dumpConfig } from '../../config/dump';
import type { BaseRunner } from '../base-runner';
import { buildRunnerFromCfg } from './from-cfg';
import { findResumeCheckpoint, resolveCheckpointPath } from '../checkpoint-io';
import { removeStaleTempFiles } from '../../checkpoint/stale-temp';
import { SingleProcessDist } from '../dist';
import type { Container } from 'inversify';
import { Logger, runTimestamp, type LogLevel } from '../logger';
import type { DistContext } from '../../contracts/dist';
import type { Model } from '../../contracts/model';
import { dataCfg, loaderSettings } from './build';
import type { RunConfig } from '../../config/root-schema';
import { collectEnvInfo, formatEnvInfo } from './env-info';
import { activeBackendInfo } from '../../backend/backend';
import { convertSyncBatchnorm } from '../../models/sync-batchnorm';
import { initRandomSeed, setRandomSeed } from './seed';
import { configBasename, resolveWorkDir } from './work-dir';

/** What trainModel needs of a loaded, validated config (a `Config` from src/config fits). */
export interface LoadedConfig {
  cfg: RunConfig;
  /** The config file (names the work dir and the dump). */
  filename: string;
  /** Plugin files from `custom_imports` (loader workers import them). */
  plugins?: Array<{ file: string }>;
}

export interface TrainOptions {
  /** `--work-dir` (wins over the config's `work_dir`). */
  workDir?: string;
  /** `--resume-from CKPT`. */
  resumeFrom?: string | null;
  /** `--resume` without a path: continue from `<work_dir>/latest` when present. */
  autoResume?: boolean;
  /** `--load-from CKPT` (weights only). */
  loadFrom?: string | null;
  /** false for `--no-validate`. */
  validate?: boolean;
  seed?: number | null;
  /** `--diff-seed`: rank r trains with seed + r (mmcls), so ranks draw different augmentations. */
  diffSeed?: boolean;
  deterministic?: boolean;
  dist?: DistContext;
  logger?: Logger;
  /** Root DI container to derive this run's child container from (default: a fresh root). */
  container?: Container;
  /** `YYYYMMDD_HHMMSS` naming the logs (default now, broadcast from rank 0). */
  timestamp?: string;
  /** Stop after this many epochs/iters although the schedule is longer (a "killed" run). */
  stopAfter?: number;
  /** Show a progress bar (default: when stderr is a TTY). */
  progress?: boolean;
  /** The active backend, for the log and the checkpoint meta. */
  backend?: string;
}

export interface TrainResult {
  runner: BaseRunner;
  model: Model;
  workDir: string;
  timestamp: string;
  seed: number;
  CLASSES: string[];
  /** The final metrics of the eval hook (empty without validation). */
  lastEval: Record<string, number | number[]>;
}

/** The dumped config: relative plugin paths made absolute so the dump loads from the work dir. */
function dumpableConfig(cfg: RunConfig, configFile: string): RunConfig {
  const out: RunConfig = JSON.parse(JSON.stringify(cfg));
  const ci = out.custom_imports;
  if (ci && ci.imports !== undefined) {
    const abs = (s: string) => (s.startsWith('.') ? path.resolve(path.dirname(configFile), s) : s);
    ci.imports = Array.isArray(ci.imports) ? ci.imports.map(abs) : abs(ci.imports);
  }
  return out;
}

export async function trainModel(config: LoadedConfig, opts: TrainOptions = {}): Promise<TrainResult> {
  const cfg = config.cfg;
  if (cfg.fp16 !== undefined && cfg.fp16 !== null) {
    // tfjs has no float16 training kernels or loss scaling: refuse rather than train in fp32 unannounced.
    throw new Error(`config key fp16 (${JSON.stringify(cfg.fp16)}): mixed-precision training is not supported on tensorflow.js; remove fp16 (or set it to null) to train in float32`);
  }
  const dist: DistContext = opts.dist ?? new SingleProcessDist();
  const workDir = resolveWorkDir(opts.workDir, cfg.work_dir, config.filename);
  const timestamp = opts.timestamp ?? (await dist.broadcastObject(runTimestamp()));
  const logLevel = (typeof cfg.log_level === 'string' ? cfg.log_level.toUpperCase().replace(/^WARN$/, 'WARNING') : 'INFO') as LogLevel;
  const logger = opts.logger ?? new Logger({ level: logLevel, rank: dist.rank });
  if (dist.rank === 0) {
    fs.mkdirSync(workDir, { recursive: true });
    const dumpName = `${configBasename(config.filename)}.ts`;
    fs.writeFileSync(path.join(workDir, dumpName), dumpConfig(dumpableConfig(cfg, config.filename), 'ts', config.filename));
    logger.attachFile(path.join(workDir, `${timestamp}.log`));
    for (const f of removeStaleTempFiles(workDir)) logger.info(`removed the temp file of an interrupted checkpoint write: ${f}`);
  }
  await dist.barrier();

  const envInfo = formatEnvInfo(collectEnvInfo());
  const dash = '-'.repeat(60);
  logger.info(`Environment info:\n${dash}\n${envInfo}\n${dash}`);
  logger.info(`Distributed training: ${dist.worldSize > 1} (world size ${dist.worldSize}${dist.engine ? `, engine ${dist.engine}` : ''})`);
  const configText = dumpConfig(cfg, 'json');
  logger.info(`Config:\n${configText}`);

  const seed = (await initRandomSeed(opts.seed ?? cfg.seed, dist)) + (opts.diffSeed ? dist.rank : 0);
  setRandomSeed(seed);
  const deterministic = opts.deterministic ?? Boolean(cfg.deterministic);
  logger.info(`Set random seed to ${seed}, deterministic: ${deterministic}`);

  const built = await buildRunnerFromCfg(cfg, {
    workDir,
    seed,
    timestamp,
    logger,
    dist,
    container: opts.container,
    validate: opts.validate ?? true,
    imports: (config.plugins ?? []).map((p) => p.file),
    progress: opts.progress ?? Boolean(process.stderr.isTTY),
    stopAfter: opts.stopAfter,
    meta: {
      env_info: envInfo,
      config: configText,
      seed,
      exp_name: path.basename(config.filename),
      fer_mm_version: collectEnvInfo()['fer-mm'],
      backend: opts.backend,
      device: activeBackendInfo().device,
      deterministic,
      ...(dist.engine ? { dist_engine: dist.engine } : {}),
    },
  });
  const { runner, model, CLASSES, evalHook } = built;
  try {
    let resumeFrom = opts.resumeFrom ?? cfg.resume_from ?? null;
    if (!resumeFrom && (opts.autoResume || cfg.auto_resume)) {
      const found = findResumeCheckpoint(workDir, (f, why) => logger.warn(`--resume: skipping ${f}: ${why}`));
      if (found) resumeFrom = found;
      else logger.info(`--resume: no 'latest' checkpoint (nor a valid epoch_N/iter_N) in ${workDir}; starting from scratch`);
    }
    const loadFrom = opts.loadFrom ?? cfg.load_from ?? null;
    if (resumeFrom) await runner.resume(resolveCheckpointPath(resumeFrom));
    else if (loadFrom) await runner.loadCheckpoint(resolveCheckpointPath(loadFrom));
    if (dist.worldSize > 1) {
      // `sync_bn: true`: torch's convert_sync_batchnorm before DDP wraps the model
      if (cfg.sync_bn === true) logger.info(`sync_bn: ${convertSyncBatchnorm(model)} BatchNorm2d layer(s) now SyncBatchNorm`);
      // dist integration: DDP's initial broadcast (rank 0's weights and buffers everywhere).
      await dist.broadcastWeights(model);
      const perGpu = loaderSettings(dataCfg(cfg), 'train').samples_per_gpu;
      logger.info(`Batch size: ${perGpu} per GPU (samples_per_gpu) x ${dist.worldSize} processes = ${perGpu * dist.worldSize} effective`);
    }

    await built.train();
    return { runner, model, workDir, timestamp, seed, CLASSES, lastEval: evalHook?.lastResults ?? {} };
  } finally {
    await built.close();
    logger.close();
  }
}
