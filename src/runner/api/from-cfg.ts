/**
 * `Runner.fromCfg` (MMEngine's `Runner.from_cfg`): a runner and everything it
 * runs, built from a resolved config through the registries — the model
 * (`MODELS`, with its `data_preprocessor`), the data loaders (datasets from
 * `DATASETS`, the training sampler from `SAMPLERS`), the optimizer
 * (`OPTIMIZERS`), the runner itself (`RUNNERS`, its config keys checked
 * against the runner's own schema) and every hook from `HOOKS`: LR schedule,
 * optimizer, checkpoint, logger, custom hooks and the eval hook.
 */
import type { Container } from 'inversify';
import '../../hooks';
import { RUNNERS } from '../../registry/root';
import type { ConfigNode } from '../../registry/registry';
import { prepareComponentArgs } from '../../registry/validate';
import type { DataLoader } from '../../data/loader';
import type { EvalHook } from '../../hooks/eval';
import type { BaseRunner, BaseRunnerArgs, WorkflowItem } from '../base-runner';
import { registerCheckpointHook, registerTrainingHooks } from '../default-hooks';
import { SingleProcessDist } from '../dist';
import { EpochBasedRunner } from '../epoch-based-runner';
import { IterBasedRunner } from '../iter-based-runner';
import { Logger } from '../logger';
import type { DistContext } from '../../contracts/dist';
import type { Model } from '../../contracts/model';
import type { RunConfig } from '../../config/root-schema';
import { isDict, type Dict } from '../../utils/dict';
import { buildModel, buildRunOptimizer, buildSplitLoader, createRunContainer, dataCfg, datasetNode } from './build';

export interface RunnerFromCfgOptions {
  /** Where checkpoints and logs go. */
  workDir: string;
  seed?: number;
  /** `YYYYMMDD_HHMMSS` naming the log files. */
  timestamp?: string;
  /** Run metadata copied into every checkpoint (CLASSES is added from the training set). */
  meta?: Dict;
  logger?: Logger;
  dist?: DistContext;
  /** Root DI container the run's child container derives from (default: a fresh root). */
  container?: Container;
  /** false for `--no-validate`: no eval hook (the checkpoint hook is then registered with the others). */
  validate?: boolean;
  /** Plugin files the loader workers import (the config's custom_imports). */
  imports?: string[];
  /** Register a ProgressBarHook. */
  progress?: boolean;
  /** Stop after this many epochs/iters although the schedule is longer (a "killed" run). */
  stopAfter?: number;
  /** Load the model's `pretrained` files (default true). */
  loadPretrained?: boolean;
}

/** A runner built from a config, with the loaders of its workflow. */
export interface BuiltRunner {
  runner: BaseRunner;
  model: Model;
  /** The run's DI container (what it built got its services from it). */
  container: Container;
  workflow: WorkflowItem[];
  /** One loader per workflow phase, in order. */
  loaders: DataLoader[];
  evalHook?: EvalHook;
  CLASSES: string[];
  /** Runs the workflow (`runner.run(loaders, workflow)`). */
  train(): Promise<void>;
  /** Stops every loader's workers; call when done (also after a failure). */
  close(): Promise<void>;
}

/** `cfg.runner` (or mmcls's legacy `total_epochs`) as a runner node. */
function runnerNode(cfg: RunConfig): Dict {
  if (cfg.runner) return { ...cfg.runner };
  return { type: 'EpochBasedRunner', max_epochs: cfg.total_epochs };
}

function isEpochBased(cls: unknown): boolean {
  return cls === EpochBasedRunner || (typeof cls === 'function' && cls.prototype instanceof EpochBasedRunner);
}

/**
 * Builds the runner of `cfg` and registers its hooks; loaders are closed on
 * failure. The caller resumes or loads weights, then calls `train()` and
 * finally `close()`.
 */
export async function buildRunnerFromCfg(cfg: RunConfig, opts: RunnerFromCfgOptions): Promise<BuiltRunner> {
  const dist = opts.dist ?? new SingleProcessDist();
  const logger = opts.logger ?? new Logger({ rank: dist.rank });
  const seed = opts.seed ?? 0;
  const node = runnerNode(cfg);
  const runnerType = node.type;
  if (typeof runnerType !== 'string') throw new Error(`runner.type: a runner node needs a registered runner name (got ${JSON.stringify(runnerType)})`);
  const entry = RUNNERS.scopeFor(node._scope_, 'runner').resolve(runnerType, 'runner');
  delete node.type;
  delete node._scope_;
  const runnerArgs = entry.schema ? prepareComponentArgs(entry, node, 'runner') : node;
  const byEpoch = isEpochBased(entry.cls);
  if (byEpoch && typeof runnerArgs.max_epochs !== 'number') throw new Error(`runner.max_epochs must be set for ${runnerType}`);
  if (!byEpoch && entry.cls === IterBasedRunner && typeof runnerArgs.max_iters !== 'number') throw new Error(`runner.max_iters must be set for ${runnerType}`);
  const workflow: WorkflowItem[] = cfg.workflow ?? [['train', 1]];
  if (workflow.length > 2) throw new Error(`workflow: at most a train and a val phase are supported, got ${JSON.stringify(workflow)}`);

  const container = createRunContainer(logger, opts.container, dist);
  const model = await buildModel(cfg, { loadPretrained: opts.loadPretrained ?? true, container });
  const all: DataLoader[] = [];
  const close = async () => {
    for (const l of all) await l.close();
  };
  try {
    const loaderOpts = { seed, dist, imports: opts.imports, container };
    const train = buildSplitLoader(cfg, 'train', loaderOpts);
    all.push(train);
    if (workflow.length === 2) {
      // mmcls: the val phase of a workflow uses the val set with the train pipeline.
      const data = dataCfg(cfg);
      const trainNode = datasetNode(data, 'train');
      const pipeline = trainNode.pipeline ?? (isDict(trainNode.dataset) ? trainNode.dataset.pipeline : undefined);
      all.push(buildSplitLoader(cfg, 'val', loaderOpts, { ...datasetNode(data, 'val'), pipeline }));
    }
    const loaders = [...all];
    const CLASSES = train.dataset.CLASSES;
    const optimizer = buildRunOptimizer(model, cfg);
    const { max_epochs, max_iters, ...ownArgs } = runnerArgs;
    const args: BaseRunnerArgs & Dict = {
      ...ownArgs,
      model,
      optimizer,
      workDir: opts.workDir,
      logger,
      meta: { ...(opts.meta ?? {}), CLASSES },
      dist,
      seed,
      timestamp: opts.timestamp,
      container,
    };
    const epochs = typeof max_epochs === 'number' ? max_epochs : undefined;
    const iters = typeof max_iters === 'number' ? max_iters : undefined;
    if (byEpoch) args.maxEpochs = epochs;
    else if (iters !== undefined) args.maxIters = iters;
    else if (epochs !== undefined) args.maxEpochs = epochs;
    // a registered runner is constructed like any component: (args, build context)
    const runner: BaseRunner = new entry.cls(args, { path: 'runner', registry: entry.registry, container });
    if (opts.stopAfter !== undefined) {
      if (runner instanceof EpochBasedRunner) runner.stopAfterEpochs = opts.stopAfter;
      else if (runner instanceof IterBasedRunner) runner.stopAfterIters = opts.stopAfter;
    }

    const validate = opts.validate ?? true;
    registerTrainingHooks(
      runner,
      cfg,
      { byEpoch, skipCheckpoint: validate },
    );
    let evalHook: EvalHook | undefined;
    if (validate) {
      const val = buildSplitLoader(cfg, 'val', loaderOpts);
      all.push(val);
      const evalNode: ConfigNode = { type: 'EvalHook', priority: 'LOW', ...cfg.evaluation };
      if (evalNode.by_epoch === undefined) evalNode.by_epoch = byEpoch;
      // mmcls: after IterTimerHook (mmcv issue #1261); the loader is the runner's, not the config's
      evalHook = runner.registerHookFromCfg(evalNode, 'evaluation', { dataloader: val }) as EvalHook;
      // Checkpoints after evaluation, so a checkpoint carries that epoch's best score (exact resume).
      if (cfg.checkpoint_config) registerCheckpointHook(runner, cfg.checkpoint_config, byEpoch, 'LOW');
    }
    if (opts.progress) runner.registerHookFromCfg({ type: 'ProgressBarHook' }, 'progress');
    return {
      runner,
      model,
      container,
      workflow,
      loaders,
      evalHook,
      CLASSES,
      train: () => runner.run(loaders, workflow),
      close,
    };
  } catch (e) {
    await close();
    model.dispose?.();
    throw e;
  }
}

/** MMEngine's entry point: `Runner.fromCfg(cfg, opts)`. */
export const Runner = { fromCfg: buildRunnerFromCfg } as const;
