/**
 * The mmcv 1.x LR policies (`lr_config.policy`), registered in LR_SCHEDULES
 * under the policy names; each has the exact `get_lr` of its
 * `<Policy>LrUpdaterHook`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { LR_SCHEDULES } from '../registry/root';
import { LrPolicy, LrPolicyError, WarmupArgs, type LrProgress } from './policy';

function checkMax(policy: string, maxProgress: number, byEpoch: boolean): void {
  if (!(maxProgress > 0)) throw new LrPolicyError(`${policy}: needs ${byEpoch ? 'maxEpochs' : 'maxIters'} > 0 (got ${maxProgress})`);
}

export const FixedLrArgs = Type.Object({ ...WarmupArgs }, { additionalProperties: false });
export type FixedLrArgs = Static<typeof FixedLrArgs>;

/** `policy='fixed'`: the base LR (warmup still applies). */
@LR_SCHEDULES.register({ name: 'fixed', aliases: ['Fixed'], schema: FixedLrArgs, description: 'constant LR (mmcv FixedLrUpdaterHook)' })
export class FixedLr extends LrPolicy {
  readonly policy = 'fixed';
  constructor(args: Partial<FixedLrArgs> = {}) {
    super(args);
  }
  getLr(baseLr: number): number {
    return baseLr;
  }
  toJSON() {
    return { policy: this.policy, ...this.baseJSON() };
  }
}

export const StepLrArgs = Type.Object(
  {
    ...WarmupArgs,
    step: Type.Union([Type.Integer({ exclusiveMinimum: 0 }), Type.Array(Type.Integer({ exclusiveMinimum: 0 }))], {
      description: 'decay every `step` epochs/iters (int) or at these epochs/iters (list)',
    }),
    gamma: Type.Number({ default: 0.1, description: 'decay factor' }),
    min_lr: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'lower bound of the LR' })),
  },
  { additionalProperties: false },
);
export type StepLrArgs = Static<typeof StepLrArgs>;

/** `policy='step'`: `base_lr * gamma ** exp`, exp = progress // step or #milestones passed. */
@LR_SCHEDULES.register({ name: 'step', aliases: ['Step'], schema: StepLrArgs, description: 'step decay (mmcv StepLrUpdaterHook)' })
export class StepLr extends LrPolicy {
  readonly policy = 'step';
  readonly step: number | number[];
  readonly gamma: number;
  readonly minLr?: number;
  constructor(args: Partial<StepLrArgs> & { step: number | number[] }) {
    super(args);
    const s = args.step;
    if (Array.isArray(s)) {
      if (!s.every((x) => Number.isInteger(x) && x > 0)) throw new LrPolicyError(`step: 'step' must be a list of positive integers (got ${JSON.stringify(s)})`);
    } else if (!(Number.isInteger(s) && s > 0)) {
      throw new LrPolicyError(`step: 'step' must be a positive integer or a list of them (got ${JSON.stringify(s)})`);
    }
    this.step = Array.isArray(s) ? [...s] : s;
    this.gamma = args.gamma ?? 0.1;
    this.minLr = args.min_lr ?? undefined;
  }
  getLr(baseLr: number, p: LrProgress): number {
    const { progress } = this.progress(p);
    let exp: number;
    if (typeof this.step === 'number') exp = Math.floor(progress / this.step);
    else {
      exp = this.step.length;
      for (let i = 0; i < this.step.length; i++) {
        if (progress < this.step[i]) {
          exp = i;
          break;
        }
      }
    }
    const lr = baseLr * Math.pow(this.gamma, exp);
    return this.minLr !== undefined ? Math.max(lr, this.minLr) : lr;
  }
  toJSON() {
    return { policy: this.policy, ...this.baseJSON(), step: this.step, gamma: this.gamma, ...(this.minLr !== undefined ? { min_lr: this.minLr } : {}) };
  }
}

export const CosineAnnealingLrArgs = Type.Object(
  {
    ...WarmupArgs,
    min_lr: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'final LR (exactly one of min_lr / min_lr_ratio)' })),
    min_lr_ratio: Type.Optional(Type.Union([Type.Number(), Type.Null()], { description: 'final LR as a ratio of the base LR' })),
  },
  { additionalProperties: false },
);
export type CosineAnnealingLrArgs = Static<typeof CosineAnnealingLrArgs>;

/** mmcv `annealing_cos`: from `start` (factor 0) to `end` (factor 1). */
export function annealingCos(start: number, end: number, factor: number, weight = 1): number {
  const cosOut = Math.cos(Math.PI * factor) + 1;
  return end + 0.5 * weight * (start - end) * cosOut;
}

/** `policy='CosineAnnealing'`: `annealing_cos(base_lr, target, progress / max_progress)`. */
@LR_SCHEDULES.register({ name: 'CosineAnnealing', schema: CosineAnnealingLrArgs, description: 'cosine annealing (mmcv CosineAnnealingLrUpdaterHook)' })
export class CosineAnnealingLr extends LrPolicy {
  readonly policy = 'CosineAnnealing';
  readonly minLr?: number;
  readonly minLrRatio?: number;
  constructor(args: Partial<CosineAnnealingLrArgs> = {}) {
    super(args);
    this.minLr = args.min_lr ?? undefined;
    this.minLrRatio = args.min_lr_ratio ?? undefined;
    if ((this.minLr === undefined) === (this.minLrRatio === undefined)) {
      throw new LrPolicyError(`CosineAnnealing: give exactly one of 'min_lr' and 'min_lr_ratio' (got ${JSON.stringify({ min_lr: args.min_lr, min_lr_ratio: args.min_lr_ratio })})`);
    }
  }
  getLr(baseLr: number, p: LrProgress): number {
    const { progress, maxProgress } = this.progress(p);
    checkMax(this.policy, maxProgress, this.byEpoch);
    const target = this.minLrRatio !== undefined ? baseLr * this.minLrRatio : (this.minLr as number);
    return annealingCos(baseLr, target, progress / maxProgress);
  }
  toJSON() {
    return {
      policy: this.policy,
      ...this.baseJSON(),
      ...(this.minLr !== undefined ? { min_lr: this.minLr } : { min_lr_ratio: this.minLrRatio }),
    };
  }
}

export const PolyLrArgs = Type.Object(
  {
    ...WarmupArgs,
    power: Type.Number({ default: 1, description: 'polynomial power' }),
    min_lr: Type.Number({ default: 0, description: 'final LR' }),
  },
  { additionalProperties: false },
);
export type PolyLrArgs = Static<typeof PolyLrArgs>;

/** `policy='poly'`: `(base_lr - min_lr) * (1 - progress / max_progress) ** power + min_lr`. */
@LR_SCHEDULES.register({ name: 'poly', aliases: ['Poly'], schema: PolyLrArgs, description: 'polynomial decay (mmcv PolyLrUpdaterHook)' })
export class PolyLr extends LrPolicy {
  readonly policy = 'poly';
  readonly power: number;
  readonly minLr: number;
  constructor(args: Partial<PolyLrArgs> = {}) {
    super(args);
    this.power = args.power ?? 1;
    this.minLr = args.min_lr ?? 0;
  }
  getLr(baseLr: number, p: LrProgress): number {
    const { progress, maxProgress } = this.progress(p);
    checkMax(this.policy, maxProgress, this.byEpoch);
    const coeff = Math.pow(1 - progress / maxProgress, this.power);
    return (baseLr - this.minLr) * coeff + this.minLr;
  }
  toJSON() {
    return { policy: this.policy, ...this.baseJSON(), power: this.power, min_lr: this.minLr };
  }
}

export const ExpLrArgs = Type.Object({ ...WarmupArgs, gamma: Type.Number({ description: 'per-epoch (or per-iter) factor' }) }, { additionalProperties: false });
export type ExpLrArgs = Static<typeof ExpLrArgs>;

/** `policy='exp'`: `base_lr * gamma ** progress`. */
@LR_SCHEDULES.register({ name: 'exp', aliases: ['Exp'], schema: ExpLrArgs, description: 'exponential decay (mmcv ExpLrUpdaterHook)' })
export class ExpLr extends LrPolicy {
  readonly policy = 'exp';
  readonly gamma: number;
  constructor(args: Partial<ExpLrArgs> & { gamma: number }) {
    super(args);
    if (typeof args.gamma !== 'number') throw new LrPolicyError(`exp: 'gamma' is required (got ${JSON.stringify(args.gamma)})`);
    this.gamma = args.gamma;
  }
  getLr(baseLr: number, p: LrProgress): number {
    return baseLr * Math.pow(this.gamma, this.progress(p).progress);
  }
  toJSON() {
    return { policy: this.policy, ...this.baseJSON(), gamma: this.gamma };
  }
}

export const InvLrArgs = Type.Object(
  { ...WarmupArgs, gamma: Type.Number(), power: Type.Number({ default: 1 }) },
  { additionalProperties: false },
);
export type InvLrArgs = Static<typeof InvLrArgs>;

/** `policy='inv'`: `base_lr * (1 + gamma * progress) ** (-power)`. */
@LR_SCHEDULES.register({ name: 'inv', aliases: ['Inv'], schema: InvLrArgs, description: 'inverse decay (mmcv InvLrUpdaterHook)' })
export class InvLr extends LrPolicy {
  readonly policy = 'inv';
  readonly gamma: number;
  readonly power: number;
  constructor(args: Partial<InvLrArgs> & { gamma: number }) {
    super(args);
    if (typeof args.gamma !== 'number') throw new LrPolicyError(`inv: 'gamma' is required (got ${JSON.stringify(args.gamma)})`);
    this.gamma = args.gamma;
    this.power = args.power ?? 1;
  }
  getLr(baseLr: number, p: LrProgress): number {
    return baseLr * Math.pow(1 + this.gamma * this.progress(p).progress, -this.power);
  }
  toJSON() {
    return { policy: this.policy, ...this.baseJSON(), gamma: this.gamma, power: this.power };
  }
}
