/**
 * Records `data_time` (waiting for the batch) and `time` (the whole iteration)
 * into the log buffer, which the logger hooks average and use for the ETA.
 */
import { Type, type Static } from '@sinclair/typebox';
import { HOOKS } from '../registry/root';
import type { BaseRunner } from '../runner/base-runner';
import { Hook } from '../runner/hook';
import { HookPriorityProp, Priority } from '../runner/priority';

export const IterTimerHookArgs = Type.Object({ ...HookPriorityProp }, { additionalProperties: false });
export type IterTimerHookArgs = Static<typeof IterTimerHookArgs>;

@HOOKS.register({ name: 'IterTimerHook', schema: IterTimerHookArgs, description: 'per-iteration time and data_time' })
export class IterTimerHook extends Hook {
  static override priority = Priority.LOW;
  readonly name = 'IterTimerHook';
  private t = 0;

  constructor(_args: IterTimerHookArgs = {}) {
    super();
  }

  private now(): number {
    return performance.now() / 1000;
  }
  override beforeTrainEpoch(): void {
    this.t = this.now();
  }
  override beforeValEpoch(): void {
    this.t = this.now();
  }
  override beforeTrainIter(runner: BaseRunner): void {
    // Iter-based runs never start an epoch per pass; start the clock on the first iteration.
    if (this.t === 0) this.t = this.now();
    runner.logBuffer.update({ data_time: this.now() - this.t });
  }
  override beforeValIter(runner: BaseRunner): void {
    this.beforeTrainIter(runner);
  }
  override afterTrainIter(runner: BaseRunner): void {
    runner.logBuffer.update({ time: this.now() - this.t });
    this.t = this.now();
  }
  override afterValIter(runner: BaseRunner): void {
    this.afterTrainIter(runner);
  }
}
