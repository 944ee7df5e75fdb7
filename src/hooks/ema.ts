/**
 * Exponential moving average of the parameters (mmcv `EMAHook`): updated after
 * every iteration, swapped into the model after each train epoch (so
 * evaluation and checkpoints see the EMA weights) and swapped back before the
 * next one. The EMA copies travel in checkpoints beside the weights, with the
 * swap state, so a resumed run continues exactly.
 */
import { Type, type Static } from '@sinclair/typebox';
import { HOOKS } from '../registry/root';
import type { BaseRunner } from '../runner/base-runner';
import { Hook, type CheckpointPayload } from '../runner/hook';
import { HookPriorityProp, Priority } from '../runner/priority';
import { ExponentialMovingAverage, emaBufferName } from '../utils/ema';

export const EMAHookArgs = Type.Object(
  {
    ...HookPriorityProp,
    /** Weight of the new parameter value per update (mmcv 0.0002). */
    momentum: Type.Number({ exclusiveMinimum: 0, exclusiveMaximum: 1, default: 0.0002 }),
    /** Update every `interval` iterations. */
    interval: Type.Integer({ minimum: 1, default: 1 }),
    /** Warm-up of the momentum: m = min(momentum, (1 + iter) / (warm_up + iter)). */
    warm_up: Type.Integer({ minimum: 0, default: 100 }),
    /** Resume the whole run from this checkpoint when the run starts (mmcv's option). */
    resume_from: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: false },
);
export type EMAHookArgs = Static<typeof EMAHookArgs>;

@HOOKS.register({ name: 'EMAHook', schema: EMAHookArgs, description: 'EMA of the weights, swapped in for evaluation' })
export class EMAHook extends Hook {
  static override priority = Priority.NORMAL;
  readonly name = 'EMAHook';
  readonly args: { momentum: number; interval: number; warm_up: number };
  private readonly resumeFrom: string | null;
  ema?: ExponentialMovingAverage;
  private pendingSwapped: boolean | null = null;

  constructor(args: Partial<EMAHookArgs> = {}) {
    super();
    this.args = { momentum: args.momentum ?? 0.0002, interval: args.interval ?? 1, warm_up: args.warm_up ?? 100 };
    this.resumeFrom = args.resume_from ?? null;
  }

  private ensure(runner: BaseRunner): ExponentialMovingAverage {
    if (!this.ema) {
      const params = runner.model.namedParameters().filter(([, v]) => v.trainable);
      this.ema = new ExponentialMovingAverage(params, this.args);
    }
    return this.ema;
  }

  override async beforeRun(runner: BaseRunner): Promise<void> {
    this.ensure(runner);
    if (this.resumeFrom) await runner.resume(this.resumeFrom);
  }

  override afterTrainIter(runner: BaseRunner): void {
    this.ensure(runner).update(runner.iter);
  }

  override afterTrainEpoch(runner: BaseRunner): void {
    const ema = this.ensure(runner);
    if (!ema.swapped) ema.swap();
  }

  override beforeTrainEpoch(runner: BaseRunner): void {
    const ema = this.ensure(runner);
    if (ema.swapped) ema.swap();
  }

  override beforeSaveCheckpoint(runner: BaseRunner, ckpt: CheckpointPayload): void {
    const ema = this.ensure(runner);
    const shapes = new Map(runner.model.namedParameters().map(([n, v]) => [emaBufferName(n), v.shape]));
    for (const [k, data] of Object.entries(ema.stateDict())) ckpt.extraTensors?.set(k, { data, shape: shapes.get(k) ?? [data.length] });
  }

  override stateDict(): Record<string, unknown> {
    return { swapped: this.ema?.swapped ?? false };
  }

  override loadStateDict(s: Record<string, unknown>): void {
    this.pendingSwapped = typeof s.swapped === 'boolean' ? s.swapped : null;
  }

  override afterLoadCheckpoint(runner: BaseRunner, ckpt: CheckpointPayload): void {
    const ema = this.ensure(runner);
    const saved: Record<string, Float32Array> = {};
    for (const [k, v] of ckpt.extraTensors ?? []) if (k.startsWith('ema_')) saved[k] = v.data;
    if (!Object.keys(saved).length) {
      this.logger.warn('EMAHook: the checkpoint has no EMA weights; the EMA restarts from the loaded weights');
      return;
    }
    ema.loadStateDict(saved);
    if (this.pendingSwapped !== null) ema.swapped = this.pendingSwapped;
    this.pendingSwapped = null;
  }

  override afterRun(): void {
    // The model keeps the EMA weights after the last epoch (as mmcv); the copies are freed.
    this.ema?.dispose();
    this.ema = undefined;
  }
}
