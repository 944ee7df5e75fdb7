/**
 * Sets the LR of every parameter group before each iteration from the
 * `lr_config` policy (`fixed`, `step`, `CosineAnnealing`, `poly`, `exp`, ...,
 * with `linear`/`constant`/`exp` warmup, by epoch or by iter): mmcv's
 * `<Policy>LrUpdaterHook`. The math lives in `src/lr`; this hook feeds it the
 * runner's progress. Its state (policy arguments and base LRs) is saved in
 * checkpoints; on resume the saved schedule wins unless `resume_schedule: 'config'`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { buildLrPolicy } from '../lr';
import { groupLrsAt, type LrPolicy, type LrProgress } from '../lr';
import { HOOKS } from '../registry/root';
import type { BaseRunner } from '../runner/base-runner';
import { Hook } from '../runner/hook';
import { HookPriorityProp, Priority } from '../runner/priority';

export const LrUpdaterHookArgs = Type.Object(
  {
    ...HookPriorityProp,
    /** mmcv policy name: fixed, step, CosineAnnealing, poly, exp, inv, ... (policy arguments sit beside it). */
    policy: Type.String(),
    /** On resume, keep the schedule saved in the checkpoint ('saved') or switch to this config's ('config'). */
    resume_schedule: Type.Optional(Type.Union([Type.Literal('saved'), Type.Literal('config')])),
  },
  { additionalProperties: true },
);
export type LrUpdaterHookArgs = Static<typeof LrUpdaterHookArgs> & Record<string, unknown>;

@HOOKS.register({ name: 'LrUpdaterHook', schema: LrUpdaterHookArgs, description: 'LR policy + warmup from lr_config' })
export class LrUpdaterHook extends Hook {
  static override priority = Priority.VERY_HIGH;
  readonly name = 'LrUpdaterHook';
  policy: LrPolicy;
  readonly resumeSchedule: 'saved' | 'config';
  private baseLrs: number[] | null = null;

  constructor(args: LrUpdaterHookArgs) {
    super();
    const { resume_schedule, ...lrCfg } = args;
    this.resumeSchedule = resume_schedule ?? 'saved';
    this.policy = buildLrPolicy(lrCfg as Record<string, unknown>);
  }

  private progress(runner: BaseRunner): LrProgress {
    return {
      epoch: runner.epoch,
      iter: runner.iter,
      maxEpochs: runner.maxEpochs ?? 0,
      maxIters: runner.maxIters ?? 0,
      itersPerEpoch: runner.iterLength,
    };
  }

  /** The LRs this hook sets for the runner's current progress. */
  lrsFor(runner: BaseRunner): number[] {
    if (!runner.optimizer) throw new Error('LrUpdaterHook: the runner has no optimizer');
    if (!this.baseLrs) this.baseLrs = runner.optimizer.paramGroups.map((g) => g.initialLr);
    return groupLrsAt(this.policy, this.baseLrs, this.progress(runner));
  }

  private apply(runner: BaseRunner): void {
    const lrs = this.lrsFor(runner);
    const opt = runner.optimizer as { setLr?: (l: number[]) => void; paramGroups: Array<{ lr: number }> };
    if (opt.setLr) opt.setLr(lrs);
    else lrs.forEach((lr, i) => (opt.paramGroups[i].lr = lr));
  }

  override beforeRun(runner: BaseRunner): void {
    if (!runner.optimizer) throw new Error('LrUpdaterHook: the runner has no optimizer');
    if (!this.baseLrs) this.baseLrs = runner.optimizer.paramGroups.map((g) => g.initialLr);
  }

  override beforeTrainEpoch(runner: BaseRunner): void {
    this.apply(runner);
  }

  override beforeTrainIter(runner: BaseRunner): void {
    this.apply(runner);
  }

  override stateDict(): Record<string, unknown> {
    return { policy: { policy: this.policy.policy, ...this.policy.toJSON() }, base_lr: this.baseLrs };
  }

  override loadStateDict(s: Record<string, unknown>): void {
    if (Array.isArray(s.base_lr)) this.baseLrs = s.base_lr as number[];
    const saved = s.policy as Record<string, unknown> | undefined;
    if (!saved) return;
    const current = { policy: this.policy.policy, ...this.policy.toJSON() };
    if (JSON.stringify(saved) === JSON.stringify(current)) return;
    if (this.resumeSchedule === 'saved') {
      this.policy = buildLrPolicy(saved, { path: 'checkpoint meta.hook_states.LrUpdaterHook.policy' });
      this.warning = `resume: keeping the LR schedule saved in the checkpoint ${JSON.stringify(saved)} instead of the config's ${JSON.stringify(current)} (set lr_config.resume_schedule='config' to switch)`;
    } else {
      this.warning = `resume: switching the LR schedule from the checkpoint's ${JSON.stringify(saved)} to the config's ${JSON.stringify(current)}`;
    }
  }
  /** A message for the run log after a resume changed or kept a differing schedule. */
  warning?: string;

  override afterLoadCheckpoint(runner: BaseRunner): void {
    if (this.warning) this.logger.warn(this.warning);
    this.warning = undefined;
  }
}
