/**
 * The runner core shared by the epoch- and iter-based runners: hooks in
 * priority order, the log buffer, checkpoint save / load / resume with the full
 * runtime state (weights, optimizer, LR schedule and other hook state,
 * epoch/iter, RNG and sampler state, best score, config text, CLASSES).
 */
import { iterateBatches } from './batches';
import * as path from 'node:path';
import { HOOKS } from '../registry/root';
import type { ConfigNode } from '../registry/registry';
import { tf } from '../tf';
import { Rng } from '../utils/rng';
import { SingleProcessDist, isMaster } from './dist';
import { HOOK_STAGES, Hook, type CheckpointPayload, type HookStage, type TrainIterOutputs, type ValIterOutputs } from './hook';
import { LogBuffer } from './log-buffer';
import { Logger } from './logger';
import type { Container } from 'inversify';
import { createRootContainer, createRunnerContainer } from '../di/container';
import { DIST, FILE_IO, LOGGER } from '../contracts/services';
import type { Batch } from '../contracts/data';
import type { DistContext } from '../contracts/dist';
import type { Model } from '../contracts/model';
import { getPriority, priorityName, type PriorityLike } from './priority';
import { trainStep } from './train-step';
import type { DataLoaderLike, OptimizerLike } from './types';
import { defaultCheckpointIO, type CheckpointIO, type ReadCheckpoint } from './checkpoint-io';
import { formatLoadReport } from '../nn/module';

export interface BaseRunnerArgs {
  model: Model;
  optimizer?: OptimizerLike;
  /** Where checkpoints and logs go. */
  workDir: string;
  logger?: Logger;
  /** Run metadata copied into every checkpoint (config text, CLASSES, seed, env info, exp_name). */
  meta?: Record<string, unknown>;
  maxEpochs?: number;
  maxIters?: number;
  dist?: DistContext;
  /** Seed of the runner's RNG (whose state is checkpointed). */
  seed?: number;
  /** `YYYYMMDD_HHMMSS` naming the log files. */
  timestamp?: string;
  checkpointIO?: CheckpointIO;
  /**
   * The run's DI container (`createRunnerContainer`): hooks built from configs
   * are built through it; `logger`, `dist` and the checkpoint file IO come
   * from it unless given. Default: a fresh root + run container.
   */
  container?: Container;
}

/** One phase of the workflow: `['train', 1]` or `['val', 1]`. */
export type WorkflowItem = [mode: 'train' | 'val', count: number];

export interface SaveCheckpointOptions {
  /** File name (without directory); e.g. `epoch_3`. */
  filename: string;
  saveOptimizer?: boolean;
  /** Extra meta merged in. */
  meta?: Record<string, unknown>;
  /** Write the `latest` pointer file next to it. */
  updateLatest?: boolean;
}

export abstract class BaseRunner {
  readonly model: Model;
  /** The run's DI container: what the run builds gets its services (`@inject(LOGGER)`, ...) from it. */
  readonly container: Container;
  optimizer?: OptimizerLike;
  readonly workDir: string;
  readonly logger: Logger;
  meta: Record<string, unknown>;
  readonly dist: DistContext;
  readonly rng: Rng;
  readonly timestamp: string;
  readonly checkpointIO: CheckpointIO;
  readonly logBuffer = new LogBuffer();

  epoch = 0;
  iter = 0;
  innerIter = 0;
  maxEpochs?: number;
  maxIters?: number;
  /** Batches per epoch of the current loader. */
  iterLength = 0;
  mode: 'train' | 'val' = 'train';
  dataLoader?: DataLoaderLike;
  /** Batches of the current epoch to skip on an exact mid-epoch resume (iter-based runner). */
  protected resumeSkip = 0;

  private readonly _hooks: Hook[] = [];

  constructor(args: BaseRunnerArgs) {
    if (args.maxEpochs !== undefined && args.maxIters !== undefined) {
      throw new Error('runner: only one of max_epochs and max_iters may be set');
    }
    this.model = args.model;
    this.optimizer = args.optimizer;
    this.workDir = path.resolve(args.workDir);
    this.dist = args.dist ?? (args.container?.isBound(DIST) ? args.container.get(DIST) : new SingleProcessDist());
    const given = args.container?.isBound(LOGGER) ? args.container.get(LOGGER) : undefined;
    this.logger = args.logger ?? (given instanceof Logger ? given : new Logger());
    this.container = args.container ?? createRunnerContainer(createRootContainer({ logger: this.logger, dist: this.dist }), { logger: this.logger });
    this.meta = { ...(args.meta ?? {}) };
    this.maxEpochs = args.maxEpochs;
    this.maxIters = args.maxIters;
    this.rng = new Rng(args.seed ?? 0);
    this.timestamp = args.timestamp ?? '';
    this.checkpointIO = args.checkpointIO ?? defaultCheckpointIO(this.container.get(FILE_IO));
    if (!this.meta.hook_msgs) this.meta.hook_msgs = {};
  }

  get rank(): number {
    return this.dist.rank;
  }
  get worldSize(): number {
    return this.dist.worldSize;
  }
  get isMaster(): boolean {
    return isMaster(this.dist);
  }
  get hooks(): readonly Hook[] {
    return this._hooks;
  }
  get hookMsgs(): Record<string, unknown> {
    return this.meta.hook_msgs as Record<string, unknown>;
  }

  /** Current LR of each param group. */
  currentLr(): number[] {
    if (!this.optimizer) throw new Error('runner: lr is not applicable because the optimizer does not exist');
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  /** Inserts `hook` by priority; equal priorities keep registration order. */
  registerHook(hook: Hook, priority?: PriorityLike): void {
    const cls = hook.constructor as unknown as { priority?: PriorityLike };
    hook.priority = getPriority(priority ?? cls.priority ?? 'NORMAL', `hook ${hook.name}`);
    let i = this._hooks.length;
    while (i > 0 && this._hooks[i - 1].priority > hook.priority) i--;
    this._hooks.splice(i, 0, hook);
  }

  /** Builds a hook from `{ type, priority?, ...args }` (priority is the runner's, not the hook's). */
  registerHookFromCfg(cfg: ConfigNode | Record<string, unknown>, where = 'custom_hooks', defaultArgs?: Record<string, unknown>): Hook {
    const node = { ...cfg } as Record<string, unknown>;
    const priority = node.priority as PriorityLike | undefined;
    delete node.priority;
    const hook = HOOKS.build<Hook>(node as ConfigNode, { path: where, defaultArgs, container: this.container });
    this.registerHook(hook, priority);
    return hook;
  }

  getHook<H extends Hook>(name: string): H | undefined {
    return this._hooks.find((h) => h.name === name) as H | undefined;
  }

  async callHook(stage: HookStage, ...extra: unknown[]): Promise<void> {
    for (const h of this._hooks) {
      const fn = (h as unknown as Record<string, unknown>)[stage];
      if (typeof fn === 'function') await (fn as (...a: unknown[]) => unknown).call(h, this, ...extra);
    }
  }

  /** Per stage, the hooks that run there in order (logged at the start of a run). */
  getHookInfo(): string {
    const lines: string[] = [];
    for (const stage of HOOK_STAGES) {
      const hs = this._hooks.filter((h) => h.triggeredStages().includes(stage));
      if (!hs.length) continue;
      lines.push(`${stage}:`);
      for (const h of hs) lines.push(`(${priorityName(h.priority).padEnd(12)}) ${h.name}`);
      lines.push(' -------------------- ');
    }
    return lines.join('\n');
  }

  /**
   * One training step with its hooks: the step's outputs go to the log buffer
   * and to `afterTrainIter`; gradients no hook consumed are freed after it.
   */
  protected async trainIter(batchIdx: number, batch: Batch, params: Array<[string, tf.Variable]>, during?: (on: boolean) => void): Promise<void> {
    await this.callHook('beforeTrainIter', batchIdx, batch);
    const outputs: TrainIterOutputs = trainStep(this.model, batch, params);
    this.logBuffer.update(outputs.logVars, outputs.numSamples);
    during?.(true);
    try {
      await this.callHook('afterTrainIter', batchIdx, batch, outputs);
    } finally {
      during?.(false);
      if (outputs.grads) for (const g of Object.values(outputs.grads)) g.dispose();
    }
  }

  abstract run(dataLoaders: DataLoaderLike[], workflow: WorkflowItem[]): Promise<void>;
  /** Meta recording how far training got, for a checkpoint written now. */
  protected abstract progressMeta(): { epoch: number; iter: number };

  /** Iterates a loader's batches, sync or async. */
  protected batches(loader: DataLoaderLike): AsyncGenerator<Batch> {
    return iterateBatches(loader);
  }

  /** Sets the sampler epoch so shuffles are a function of (seed, epoch). */
  setLoaderEpoch(loader: DataLoaderLike, epoch: number): void {
    if (loader.sampler?.setEpoch) loader.sampler.setEpoch(epoch);
    else if (loader.sampler?.set_epoch) loader.sampler.set_epoch(epoch);
    else if (loader.setEpoch) loader.setEpoch(epoch);
  }

  /** The hook states that go into `meta.hook_states`. */
  private hookStates(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const h of this._hooks) if (h.stateDict) out[h.name] = h.stateDict();
    return out;
  }

  /**
   * Saves weights + meta (+ optimizer) to `<outDir>/<filename>` on the master
   * rank. Returns the written path.
   */
  async saveCheckpoint(outDir: string, opts: SaveCheckpointOptions): Promise<string> {
    const file = path.join(outDir, opts.filename);
    const progress = this.progressMeta();
    const meta: Record<string, unknown> = {
      ...this.meta,
      ...(opts.meta ?? {}),
      ...progress,
      time: new Date().toString(),
      hook_states: this.hookStates(),
      rng_state: this.rng.getState(),
      sampler: { epoch: progress.epoch, iter: progress.iter },
      world_size: this.worldSize,
    };
    if (this.model.CLASSES && meta.CLASSES === undefined) meta.CLASSES = this.model.CLASSES;
    const payload: CheckpointPayload = { meta, extraTensors: new Map() };
    await this.callHook('beforeSaveCheckpoint', payload);
    if (this.isMaster) {
      await this.checkpointIO.save(file, {
        stateDict: this.model.stateDict(),
        meta: payload.meta,
        optimizer: opts.saveOptimizer !== false && this.optimizer ? this.optimizer.stateDict() : undefined,
        extraTensors: payload.extraTensors,
      });
      if (opts.updateLatest !== false) await this.checkpointIO.writeLatest(outDir, opts.filename);
    }
    return file;
  }

  /** Loads weights only (`load_from`); returns the checkpoint read. */
  async loadCheckpoint(file: string, opts: { strict?: boolean } = {}): Promise<ReadCheckpoint> {
    this.logger.info(`load checkpoint from local path: ${file}`);
    const ckpt = await this.checkpointIO.read(file);
    const report = this.model.loadStateDict(ckpt.stateDict, { strict: opts.strict ?? false });
    // mmcv semantics (load what matches), and the same report test/infer print
    const text = formatLoadReport(report);
    if (text) this.logger.warn(`The model and loaded state dict do not match exactly (${file})\n${text}`);
    return ckpt;
  }

  /**
   * Continues a run exactly (`resume_from`): weights, optimizer, epoch/iter,
   * hook states (LR schedule, best score, EMA), RNG and sampler position.
   */
  async resume(file: string, opts: { resumeOptimizer?: boolean } = {}): Promise<void> {
    const ckpt = await this.loadCheckpoint(file, { strict: false });
    const meta = ckpt.meta ?? {};
    if (typeof meta.epoch !== 'number' || typeof meta.iter !== 'number') {
      throw new Error(`resume: ${file} has no epoch/iter in its meta; is it a training checkpoint? (use load_from for weights only)`);
    }
    this.epoch = meta.epoch;
    this.iter = meta.iter;
    if (meta.hook_msgs && typeof meta.hook_msgs === 'object') this.meta.hook_msgs = { ...(meta.hook_msgs as object) };
    if (Array.isArray(meta.rng_state)) this.rng.setState(meta.rng_state as number[]);
    const savedWorld = meta.world_size;
    if (typeof savedWorld === 'number' && savedWorld !== this.worldSize) {
      this.logger.warn(`resume: the checkpoint was written with world size ${savedWorld}, now ${this.worldSize}; the effective batch size differs`);
    }
    const restored: string[] = ['weights', `epoch ${this.epoch}`, `iter ${this.iter}`];
    if (this.optimizer && opts.resumeOptimizer !== false) {
      if (ckpt.optimizer === undefined) {
        this.logger.warn(`resume: ${file} has no optimizer state; the optimizer starts fresh`);
      } else {
        this.optimizer.loadStateDict(ckpt.optimizer);
        restored.push('optimizer');
      }
    }
    const states = (meta.hook_states ?? {}) as Record<string, Record<string, unknown>>;
    for (const h of this._hooks) {
      if (h.loadStateDict && states[h.name]) {
        h.loadStateDict(states[h.name]);
        restored.push(h.name);
      }
    }
    if (Array.isArray(meta.rng_state)) restored.push('rng');
    await this.callHook('afterLoadCheckpoint', { meta, extraTensors: ckpt.extraTensors ?? new Map() });
    this.logger.info(`resumed epoch ${this.epoch}, iter ${this.iter}; restored: ${restored.join(', ')}`);
  }

  /** Releases the optimizer state (the model belongs to the caller). */
  dispose(): void {
    this.optimizer?.dispose();
  }

  /** One validation iteration with its hooks: the losses of `batch` go to the log buffer. */
  protected async valIter(batchIdx: number, batch: Batch): Promise<void> {
    await this.callHook('beforeValIter', batchIdx, batch);
    const outputs: ValIterOutputs = { logVars: this.valStepLosses(batch), numSamples: batch.indices.length };
    this.logBuffer.update(outputs.logVars, outputs.numSamples);
    await this.callHook('afterValIter', batchIdx, batch, outputs);
  }

  protected valStepLosses(batch: Batch): Record<string, number> {
    return tf.tidy(() => {
      // mmcv's val_step: the training losses, without gradients
      const losses = this.model.trainStep(batch.gt_label ? batch : { ...batch, gt_label: new Int32Array(batch.indices.length) });
      const out: Record<string, number> = {};
      let total = 0;
      for (const [k, t] of Object.entries(losses)) {
        out[k] = t.dataSync()[0];
        if (k.includes('loss')) total += out[k];
      }
      out.loss = total;
      return out;
    }) as unknown as Record<string, number>;
  }
}
