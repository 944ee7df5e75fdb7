/**
 * LR policies with the math of mmcv 1.x `LrUpdaterHook` and its subclasses.
 * Pure functions of the training progress; the runner's LR hook calls
 * {@link lrAt} (or `getLr`/`getWarmupLr` directly) and `optimizer.setLr`.
 *
 * - `progress` is `epoch` when `by_epoch` (default true), else `iter`;
 *   `maxProgress` is `maxEpochs` or `maxIters` (mmcv `runner.max_epochs` /
 *   `runner.max_iters`; for an epoch runner max_iters = max_epochs * iters per epoch).
 * - Warmup (`linear` | `constant` | `exp`) always runs per ITERATION over the
 *   first `warmup_iters` iterations (with `warmup_by_epoch`, `warmup_iters`
 *   counts epochs and is multiplied by the iterations per epoch), scaling the
 *   regular LR of the current progress.
 */
import { Type, type Static } from '@sinclair/typebox';

export class LrPolicyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LrPolicyError';
  }
}

/** Where training stands: what mmcv's hooks read from the runner. */
export interface LrProgress {
  /** 0-based epoch (`runner.epoch`). */
  epoch: number;
  /** 0-based global iteration (`runner.iter`). */
  iter: number;
  maxEpochs: number;
  maxIters: number;
  /** Iterations per epoch (`len(runner.data_loader)`); needed for `warmup_by_epoch`. */
  itersPerEpoch: number;
}

export const WarmupArgs = {
  by_epoch: Type.Boolean({ default: true, description: 'progress counts epochs (true) or iterations (false)' }),
  warmup: Type.Optional(
    Type.Union([Type.Literal('linear'), Type.Literal('constant'), Type.Literal('exp'), Type.Null()], { description: 'warmup kind (none when absent)' }),
  ),
  warmup_iters: Type.Integer({ minimum: 0, default: 0, description: 'warmup length in iterations (epochs with warmup_by_epoch)' }),
  warmup_ratio: Type.Number({ exclusiveMinimum: 0, maximum: 1, default: 0.1, description: 'LR ratio at the start of warmup' }),
  warmup_by_epoch: Type.Boolean({ default: false, description: 'warmup_iters counts epochs' }),
};
export const LrPolicyBaseArgs = Type.Object(WarmupArgs, { additionalProperties: false });
export type LrPolicyBaseArgs = Static<typeof LrPolicyBaseArgs>;

export type WarmupKind = 'linear' | 'constant' | 'exp';

/** Base class: warmup handling shared by every policy (mmcv `LrUpdaterHook`). */
export abstract class LrPolicy {
  /** Registered policy name (`step`, `CosineAnnealing`, ...). */
  abstract readonly policy: string;
  readonly byEpoch: boolean;
  readonly warmup?: WarmupKind;
  readonly warmupIters: number;
  readonly warmupRatio: number;
  readonly warmupByEpoch: boolean;

  constructor(args: Partial<LrPolicyBaseArgs> = {}) {
    this.byEpoch = args.by_epoch ?? true;
    this.warmup = args.warmup ?? undefined;
    this.warmupIters = args.warmup_iters ?? 0;
    this.warmupRatio = args.warmup_ratio ?? 0.1;
    this.warmupByEpoch = args.warmup_by_epoch ?? false;
    if (this.warmup !== undefined) {
      if (!['linear', 'constant', 'exp'].includes(this.warmup)) {
        throw new LrPolicyError(`lr_config.warmup: '${this.warmup}' is not supported; choose linear, constant or exp`);
      }
      if (!(this.warmupIters > 0)) throw new LrPolicyError(`lr_config.warmup_iters must be a positive integer when warmup is '${this.warmup}' (got ${this.warmupIters})`);
      if (!(this.warmupRatio > 0 && this.warmupRatio <= 1)) throw new LrPolicyError(`lr_config.warmup_ratio must be in (0, 1] (got ${this.warmupRatio})`);
    }
  }

  /** The regular (non-warmup) LR for `baseLr` at this progress (mmcv `get_lr`). */
  abstract getLr(baseLr: number, p: LrProgress): number;

  /** mmcv's `progress` and `max_progress`. */
  protected progress(p: LrProgress): { progress: number; maxProgress: number } {
    return this.byEpoch ? { progress: p.epoch, maxProgress: p.maxEpochs } : { progress: p.iter, maxProgress: p.maxIters };
  }

  /** Warmup length in iterations (resolves `warmup_by_epoch`). 0 without warmup. */
  resolveWarmupIters(itersPerEpoch?: number): number {
    if (this.warmup === undefined) return 0;
    if (!this.warmupByEpoch) return this.warmupIters;
    if (itersPerEpoch === undefined || !(itersPerEpoch > 0)) {
      throw new LrPolicyError(`lr_config.warmup_by_epoch needs the number of iterations per epoch (got ${itersPerEpoch})`);
    }
    return this.warmupIters * itersPerEpoch;
  }

  /** The warmup LR at iteration `curIter` given the regular LR (mmcv `get_warmup_lr`). */
  getWarmupLr(curIter: number, regularLr: number, itersPerEpoch?: number): number {
    const w = this.resolveWarmupIters(itersPerEpoch);
    switch (this.warmup) {
      case 'constant':
        return regularLr * this.warmupRatio;
      case 'linear': {
        const k = (1 - curIter / w) * (1 - this.warmupRatio);
        return regularLr * (1 - k);
      }
      case 'exp':
        return regularLr * Math.pow(this.warmupRatio, 1 - curIter / w);
      default:
        return regularLr;
    }
  }

  /** True while iteration `iter` is inside the warmup. */
  inWarmup(iter: number, itersPerEpoch?: number): boolean {
    return this.warmup !== undefined && iter < this.resolveWarmupIters(itersPerEpoch);
  }

  /** Arguments that rebuild this policy (plain JSON, for checkpoints and logs). */
  abstract toJSON(): Record<string, unknown>;

  protected baseJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = { by_epoch: this.byEpoch };
    if (this.warmup !== undefined) {
      Object.assign(out, { warmup: this.warmup, warmup_iters: this.warmupIters, warmup_ratio: this.warmupRatio, warmup_by_epoch: this.warmupByEpoch });
    }
    return out;
  }
}

/**
 * The LR in force during iteration `p.iter` of epoch `p.epoch`: what mmcv's
 * `before_train_epoch` + `before_train_iter` leave in the optimizer.
 * (`by_epoch`: the epoch's regular LR, replaced by the warmup LR while
 * `iter < warmup_iters`; otherwise the regular LR of the iteration, or its
 * warmup LR.) Call it before every training iteration.
 */
export function lrAt(policy: LrPolicy, baseLr: number, p: LrProgress): number {
  const regular = policy.getLr(baseLr, p);
  return policy.inWarmup(p.iter, p.itersPerEpoch) ? policy.getWarmupLr(p.iter, regular, p.itersPerEpoch) : regular;
}

/** {@link lrAt} for every parameter group's base (initial) LR. */
export function groupLrsAt(policy: LrPolicy, baseLrs: number[], p: LrProgress): number[] {
  return baseLrs.map((b) => lrAt(policy, b, p));
}

/** What {@link applyLr} needs from an optimizer. */
export interface LrTarget {
  getInitialLr(): number[];
  setLr(groupLrs: number[]): void;
}

/**
 * Sets every group's LR for this point of training (the whole job of mmcv's
 * LR hook in `before_train_epoch` / `before_train_iter`) and returns the LRs.
 */
export function applyLr(optimizer: LrTarget, policy: LrPolicy, p: LrProgress): number[] {
  const lrs = groupLrsAt(policy, optimizer.getInitialLr(), p);
  optimizer.setLr(lrs);
  return lrs;
}
