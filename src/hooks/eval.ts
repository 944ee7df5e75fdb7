/**
 * Evaluates on the validation loader every `interval` epochs (or iters) and
 * logs the metrics; with `save_best` keeps the best checkpoint as
 * `best_<metric>_epoch_N` (rule `greater`/`less`, inferred from the metric
 * name when not given). mmcls `EvalHook`/`DistEvalHook`: in a process group
 * every rank predicts its shard and the results are gathered in dataset order.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { HOOKS } from '../registry/root';
import type { BaseRunner } from '../runner/base-runner';
import { Hook } from '../runner/hook';
import { testModelScores } from '../runner/inference';
import { HookPriorityProp, Priority } from '../runner/priority';
import type { DataLoaderLike } from '../runner/types';
import { injectField } from '../registry/registry';
import { DIST } from '../contracts/services';
import type { DistContext } from '../contracts/dist';
import { SingleProcessDist } from '../runner/dist';

const GREATER_KEYS = ['acc', 'top', 'AR@', 'auc', 'precision', 'mAP', 'mDice', 'mIoU', 'mAcc', 'aAcc', 'recall', 'f1'];
const LESS_KEYS = ['loss'];

export const EvalHookArgs = Type.Object(
  {
    ...HookPriorityProp,
    /** Evaluate every `interval` epochs (iters with by_epoch false). */
    interval: Type.Integer({ minimum: 1, default: 1 }),
    by_epoch: Type.Boolean({ default: true }),
    /** First epoch/iter to evaluate at; then every `interval`. */
    start: Type.Optional(Type.Union([Type.Integer({ minimum: 0 }), Type.Null()])),
    /** Metric name(s) passed to the dataset's evaluate. */
    metric: Type.Union([Type.String(), Type.Array(Type.String())], { default: 'accuracy' }),
    /** Options for the metrics, e.g. `{ topk: [1, 2] }`. */
    metric_options: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    /** Metric key to track (`auto` = the first returned), or null for no best checkpoint. */
    save_best: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    /** `greater` or `less`; inferred from the key when absent. */
    rule: Type.Optional(Type.Union([Type.Literal('greater'), Type.Literal('less'), Type.Null()])),
    greater_keys: Type.Optional(Type.Array(Type.String())),
    less_keys: Type.Optional(Type.Array(Type.String())),
    /** Where best checkpoints go (default the work dir). */
    out_dir: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    /** Distributed collection mode of mmcls; results always travel through the process group here. */
    gpu_collect: Type.Optional(Type.Boolean()),
    tmpdir: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    /** Broadcast rank 0's BatchNorm buffers before evaluating (distributed). */
    broadcast_bn_buffer: Type.Boolean({ default: true }),
    /**
     * The validation loader; the runner passes it (`Runner.fromCfg`), configs do not set it. A union,
     * so the builder hands the loader object over as is instead of copying it as a plain object.
     */
    dataloader: Type.Optional(Type.Union([Type.Null(), Type.Unknown()])),
  },
  { additionalProperties: false },
);
export type EvalHookArgs = Static<typeof EvalHookArgs>;

/** Construction input: the config part plus the validation loader. */
export type EvalHookInit = Partial<EvalHookArgs> & { dataloader: DataLoaderLike };

@HOOKS.register({ name: 'EvalHook', aliases: ['DistEvalHook'], schema: EvalHookArgs, description: 'periodic evaluation with save_best' })
export class EvalHook extends Hook {
  static override priority = Priority.LOW;
  readonly name = 'EvalHook';
  /** The run's process group (evaluation gathers every rank's scores); one process when built by hand. */
  protected dist: DistContext = new SingleProcessDist();
  readonly dataloader: DataLoaderLike;
  readonly interval: number;
  readonly byEpoch: boolean;
  readonly start: number | null;
  readonly metric: string | string[];
  readonly metricOptions: Record<string, unknown>;
  saveBest: string | null;
  rule: 'greater' | 'less' | null;
  private readonly greaterKeys: string[];
  private readonly lessKeys: string[];
  private readonly outDirArg: string | null;
  bestCkptPath: string | null = null;
  /** The metrics of the latest evaluation. */
  lastResults: Record<string, number | number[]> = {};

  constructor(args: EvalHookInit) {
    super();
    if (!args || !args.dataloader) throw new Error('EvalHook: needs the validation dataloader');
    this.dataloader = args.dataloader;
    this.interval = args.interval ?? 1;
    this.byEpoch = args.by_epoch ?? true;
    this.start = args.start ?? null;
    this.metric = args.metric ?? 'accuracy';
    this.metricOptions = args.metric_options ?? {};
    this.saveBest = args.save_best ?? null;
    this.rule = args.rule ?? null;
    this.greaterKeys = [...GREATER_KEYS, ...(args.greater_keys ?? [])];
    this.lessKeys = [...LESS_KEYS, ...(args.less_keys ?? [])];
    this.outDirArg = args.out_dir ?? null;
    if (this.start !== null && this.start < 0) throw new Error(`evaluation.start must be >= 0, got ${this.start}`);
    if (this.saveBest && this.saveBest !== 'auto') this.initRule(this.saveBest);
  }

  /** `greater` for accuracy-like keys, `less` for losses; explicit `rule` wins. */
  private initRule(key: string): void {
    if (this.rule) return;
    const lower = key.toLowerCase();
    if (this.greaterKeys.some((k) => lower.includes(k.toLowerCase()))) this.rule = 'greater';
    else if (this.lessKeys.some((k) => lower.includes(k.toLowerCase()))) this.rule = 'less';
    else throw new Error(`evaluation.save_best: cannot infer the rule of '${key}'; set evaluation.rule to 'greater' or 'less'`);
  }

  private shouldEvaluate(runner: BaseRunner): boolean {
    const current = this.byEpoch ? runner.epoch : runner.iter;
    if (this.start === null) return this.byEpoch ? this.everyNEpochs(runner, this.interval) : this.everyNIters(runner, this.interval);
    if (current + 1 < this.start) return false;
    return (current + 1 - this.start) % this.interval === 0;
  }

  override async afterTrainEpoch(runner: BaseRunner): Promise<void> {
    if (this.byEpoch && this.shouldEvaluate(runner)) await this.doEvaluate(runner);
  }

  override async afterTrainIter(runner: BaseRunner): Promise<void> {
    if (!this.byEpoch && this.shouldEvaluate(runner)) await this.doEvaluate(runner);
  }

  /** Predicts the whole val set, evaluates, logs, and saves the best checkpoint. */
  async doEvaluate(runner: BaseRunner): Promise<void> {
    if (this.dist.worldSize > 1) {
      // dist integration: weights are already equal (averaged gradients); only BN buffers differ per rank.
      const d = this.dist as DistContext & { syncBuffers?(m: typeof runner.model): Promise<void> };
      if (d.syncBuffers) await d.syncBuffers(runner.model);
      else await d.broadcastWeights(runner.model);
    }
    const wasTraining = runner.model.training;
    const ds = this.dataloader.dataset;
    if (!ds?.evaluate) throw new Error('EvalHook: the validation dataset has no evaluate()');
    const results = await testModelScores(runner.model, this.dataloader, this.dist, { logger: this.logger, label: 'eval', size: ds.length, step: 'val' });
    runner.model.train(wasTraining);
    const metrics = await ds.evaluate(results, this.metric, this.metricOptions);
    this.lastResults = metrics;
    runner.logBuffer.output.eval_iter_num = this.dataloader.length;
    for (const [k, v] of Object.entries(metrics)) runner.logBuffer.output[k] = v;
    runner.logBuffer.ready = true;
    if (!this.saveBest) return;
    if (this.saveBest === 'auto') {
      const first = Object.keys(metrics)[0];
      if (!first) throw new Error('EvalHook: save_best=auto but the evaluation returned no metric');
      this.saveBest = first;
      this.initRule(first);
    }
    const score = metrics[this.saveBest];
    if (typeof score !== 'number') {
      throw new Error(`evaluation.save_best: '${this.saveBest}' is not a scalar metric; got keys ${Object.keys(metrics).join(', ')}`);
    }
    await this.saveBestCkpt(runner, score);
  }

  private async saveBestCkpt(runner: BaseRunner, score: number): Promise<void> {
    const [curType, curTime] = this.byEpoch ? ['epoch', runner.epoch + 1] : ['iter', runner.iter + 1];
    const msgs = runner.hookMsgs;
    const init = this.rule === 'greater' ? -Infinity : Infinity;
    const best = typeof msgs.best_score === 'number' ? msgs.best_score : init;
    const better = this.rule === 'greater' ? score > best : score < best;
    if (!better) return;
    msgs.best_score = score;
    const outDir = this.outDirArg ? path.join(this.outDirArg, path.basename(runner.workDir)) : runner.workDir;
    const prev = this.bestCkptPath ?? (typeof msgs.best_ckpt === 'string' ? msgs.best_ckpt : null);
    if (prev && runner.isMaster && fs.existsSync(prev)) fs.rmSync(prev, { recursive: true, force: true });
    const name = `best_${this.saveBest}_${curType}_${curTime}${runner.checkpointIO.ext}`;
    this.bestCkptPath = path.join(outDir, name);
    msgs.best_ckpt = this.bestCkptPath;
    if (runner.isMaster) fs.mkdirSync(outDir, { recursive: true });
    await runner.saveCheckpoint(outDir, { filename: name, saveOptimizer: false, updateLatest: false });
    this.logger.info(`Now best checkpoint is saved as ${name}.`);
    this.logger.info(`Best ${this.saveBest} is ${score.toFixed(4)} at ${curTime} ${curType}.`);
  }

  override stateDict(): Record<string, unknown> {
    return { save_best: this.saveBest, rule: this.rule, best_ckpt: this.bestCkptPath };
  }

  override loadStateDict(s: Record<string, unknown>): void {
    if (typeof s.save_best === 'string' && (this.saveBest === 'auto' || this.saveBest === s.save_best)) this.saveBest = s.save_best;
    if ((s.rule === 'greater' || s.rule === 'less') && !this.rule) this.rule = s.rule;
    if (typeof s.best_ckpt === 'string') this.bestCkptPath = s.best_ckpt;
  }
}

// `@inject(DIST) @optional()`, applied by a call (see injectField)
injectField(EvalHook, 'dist', DIST, { optional: true });
