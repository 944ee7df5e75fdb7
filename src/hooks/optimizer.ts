/**
 * The optimizer step (mmcv `OptimizerHook`): averages gradients across ranks,
 * clips them by total norm when `grad_clip` is set (logging `grad_norm`), steps
 * the optimizer and frees the gradients.
 */
import { Type, type Static } from '@sinclair/typebox';
import { clipGradNormOnDevice } from '../optim/clip';
import { HOOKS } from '../registry/root';
import type { BaseRunner } from '../runner/base-runner';
import { Hook, type TrainIterOutputs } from '../runner/hook';
import type { Batch } from '../contracts/data';
import { injectField } from '../registry/registry';
import { DIST } from '../contracts/services';
import type { DistContext } from '../contracts/dist';
import { SingleProcessDist } from '../runner/dist';
import { HookPriorityProp, Priority } from '../runner/priority';
import type { tf } from '../tf';

export const GradClipArgs = Type.Object(
  {
    /** Largest allowed total norm of all gradients together. */
    max_norm: Type.Number({ exclusiveMinimum: 0 }),
    /** Norm order (2 = L2; `Infinity` is not expressible in JSON, use a large value). */
    norm_type: Type.Optional(Type.Number({ default: 2, exclusiveMinimum: 0 })),
  },
  { additionalProperties: false },
);

export const OptimizerHookArgs = Type.Object(
  {
    ...HookPriorityProp,
    /** `{ max_norm, norm_type }` or null for no clipping. */
    grad_clip: Type.Optional(Type.Union([GradClipArgs, Type.Null()])),
    /** Log parameters that got no gradient (mmcv `detect_anomalous_params`). */
    detect_anomalous_params: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type OptimizerHookArgs = Static<typeof OptimizerHookArgs>;

/** Shared by the optimizer hooks: reduce across ranks, clip, step, log. */
export async function applyGradients(
  runner: BaseRunner,
  dist: DistContext,
  grads: Record<string, tf.Tensor>,
  gradClip: { max_norm: number; norm_type?: number } | null | undefined,
  numSamples: number,
): Promise<void> {
  if (!runner.optimizer) throw new Error('OptimizerHook: the runner has no optimizer');
  let g = grads;
  try {
    if (dist.worldSize > 1) g = await dist.allReduceMeanGrads(g);
    if (gradClip) {
      // the norm stays on the device; the log buffer reads it at the next log
      const norm = clipGradNormOnDevice(g, gradClip.max_norm, gradClip.norm_type ?? 2);
      runner.logBuffer.update({ grad_norm: norm }, numSamples);
    }
    runner.optimizer.step(g);
  } finally {
    for (const t of Object.values(g)) t.dispose();
    if (g !== grads) for (const t of Object.values(grads)) t.dispose();
  }
}

@HOOKS.register({ name: 'OptimizerHook', schema: OptimizerHookArgs, description: 'optimizer step with optional grad clipping' })
export class OptimizerHook extends Hook {
  static override priority = Priority.ABOVE_NORMAL;
  readonly name: string = 'OptimizerHook';
  readonly gradClip: { max_norm: number; norm_type?: number } | null;
  readonly detectAnomalousParams: boolean;
  /** The run's process group (gradients are averaged across its ranks); one process when built by hand. */
  protected dist: DistContext = new SingleProcessDist();

  constructor(args: Partial<OptimizerHookArgs> = {}) {
    super();
    this.gradClip = args.grad_clip ?? null;
    this.detectAnomalousParams = args.detect_anomalous_params ?? false;
  }

  protected reportAnomalous(runner: BaseRunner, grads: Record<string, tf.Tensor>): void {
    if (!this.detectAnomalousParams) return;
    const missing = runner.model.namedParameters().filter(([n, v]) => v.trainable && !grads[n]).map(([n]) => n);
    for (const n of missing) this.logger.error(`${n} with shape [${runner.model.namedParameters().find(([m]) => m === n)![1].shape}] is not in the computational graph`);
  }

  override async afterTrainIter(runner: BaseRunner, _batchIdx: number, _dataBatch: Batch, outputs: TrainIterOutputs): Promise<void> {
    const grads = outputs.grads;
    if (!grads) return;
    outputs.grads = undefined; // consumed: applyGradients frees them
    this.reportAnomalous(runner, grads);
    await applyGradients(runner, this.dist, grads, this.gradClip, outputs.numSamples);
  }
}

// `@inject(DIST) @optional()`, applied by a call (see injectField)
injectField(OptimizerHook, 'dist', DIST, { optional: true });
