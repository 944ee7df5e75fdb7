/**
 * Gradient accumulation (mmcv `GradientCumulativeOptimizerHook`): gradients
 * of `cumulative_iters` iterations are summed, each scaled by 1/cumulative_iters
 * (by 1/remainder in a final incomplete block), and the optimizer steps once
 * per block, so a batch of B with cumulative_iters=k matches a batch of k*B.
 */
import { Type, type Static } from '@sinclair/typebox';
import { HOOKS } from '../registry/root';
import { HookPriorityProp } from '../runner/priority';
import type { BaseRunner } from '../runner/base-runner';
import type { TrainIterOutputs } from '../runner/hook';
import type { Batch } from '../contracts/data';
import { tf } from '../tf';
import { GradClipArgs, OptimizerHook, applyGradients } from './optimizer';

export const GradientCumulativeOptimizerHookArgs = Type.Object(
  {
    ...HookPriorityProp,
    /** Iterations whose gradients make one optimizer step. */
    cumulative_iters: Type.Integer({ minimum: 1, default: 1 }),
    grad_clip: Type.Optional(Type.Union([GradClipArgs, Type.Null()])),
    detect_anomalous_params: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type GradientCumulativeOptimizerHookArgs = Static<typeof GradientCumulativeOptimizerHookArgs>;

@HOOKS.register({
  name: 'GradientCumulativeOptimizerHook',
  schema: GradientCumulativeOptimizerHookArgs,
  description: 'optimizer step every cumulative_iters iterations with summed gradients',
})
export class GradientCumulativeOptimizerHook extends OptimizerHook {
  override readonly name: string = 'GradientCumulativeOptimizerHook';
  readonly cumulativeIters: number;
  private acc: Record<string, tf.Tensor> | null = null;
  private accSamples = 0;

  constructor(args: Partial<GradientCumulativeOptimizerHookArgs> = {}) {
    super(args);
    this.cumulativeIters = args.cumulative_iters ?? 1;
    if (!Number.isInteger(this.cumulativeIters) || this.cumulativeIters < 1) {
      throw new Error(`GradientCumulativeOptimizerHook: cumulative_iters must be a positive integer, got ${args.cumulative_iters}`);
    }
  }

  /** The divisor of this iteration's gradients: the block size, or the size of the last incomplete block. */
  lossFactor(runner: BaseRunner): number {
    const max = runner.maxIters ?? Infinity;
    const divisible = Math.floor(max / this.cumulativeIters) * this.cumulativeIters;
    return runner.iter < divisible ? this.cumulativeIters : max - divisible;
  }

  override async afterTrainIter(runner: BaseRunner, _batchIdx: number, _dataBatch: Batch, outputs: TrainIterOutputs): Promise<void> {
    const grads = outputs.grads;
    if (!grads) return;
    outputs.grads = undefined;
    this.reportAnomalous(runner, grads);
    const factor = this.lossFactor(runner);
    const prev = this.acc;
    const next: Record<string, tf.Tensor> = {};
    for (const [k, g] of Object.entries(grads)) {
      next[k] = tf.tidy(() => {
        const scaled = g.div(factor);
        return prev?.[k] ? prev[k].add(scaled) : scaled;
      });
      g.dispose();
    }
    if (prev) for (const [k, t] of Object.entries(prev)) if (next[k]) t.dispose(); else next[k] = t;
    this.acc = next;
    this.accSamples += outputs.numSamples;
    if (this.everyNIters(runner, this.cumulativeIters) || this.isLastIter(runner)) {
      const acc = this.acc;
      this.acc = null;
      const n = this.accSamples;
      this.accSamples = 0;
      await applyGradients(runner, this.dist, acc, this.gradClip, n);
    }
  }

  override afterRun(): void {
    if (this.acc) for (const t of Object.values(this.acc)) t.dispose();
    this.acc = null;
  }
}
