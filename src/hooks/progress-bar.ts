/**
 * A progress bar over each train epoch (or the whole iter-based run) on a
 * TTY; log lines print above it. Registered by the train API when stderr is a
 * terminal; `force: true` off a TTY prints plain progress lines instead.
 */
import { Type, type Static } from '@sinclair/typebox';
import { HOOKS } from '../registry/root';
import type { BaseRunner } from '../runner/base-runner';
import { Hook } from '../runner/hook';
import { HookPriorityProp, Priority } from '../runner/priority';
import { ProgressBar } from '../runner/progress';

export const ProgressBarHookArgs = Type.Object(
  {
    ...HookPriorityProp,
    /** Off a TTY, print a plain progress line every 10% instead of nothing. */
    force: Type.Boolean({ default: false }),
  },
  { additionalProperties: false },
);
export type ProgressBarHookArgs = Static<typeof ProgressBarHookArgs>;

@HOOKS.register({ name: 'ProgressBarHook', schema: ProgressBarHookArgs, description: 'progress bar on a TTY' })
export class ProgressBarHook extends Hook {
  static override priority = Priority.LOWEST;
  readonly name = 'ProgressBarHook';
  private bar?: ProgressBar;
  private readonly force: boolean;

  constructor(args: Partial<ProgressBarHookArgs> = {}) {
    super();
    this.force = args.force ?? false;
  }

  override beforeTrainEpoch(runner: BaseRunner): void {
    this.bar?.stop();
    const byIter = runner.maxEpochs === undefined;
    const total = byIter ? (runner.maxIters ?? 0) : runner.iterLength;
    const label = byIter ? 'train' : `epoch ${runner.epoch + 1}/${runner.maxEpochs}`;
    this.bar = new ProgressBar(total, label, { logger: this.logger, force: this.force || undefined });
    if (byIter) this.bar.update(runner.iter);
  }

  override afterTrainIter(runner: BaseRunner): void {
    this.bar?.update(runner.maxEpochs === undefined ? runner.iter + 1 : runner.innerIter + 1);
    // Stop before the epoch-end hooks run (evaluation shows its own bar).
    if (runner.maxEpochs !== undefined && this.endOfEpoch(runner)) this.afterTrainEpoch();
  }

  override afterTrainEpoch(): void {
    this.bar?.stop();
    this.bar = undefined;
  }

  override afterRun(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}
