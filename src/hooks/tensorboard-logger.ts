/**
 * Scalars to TensorBoard event files in `<work_dir>/tf_logs` (mmcv
 * `TensorboardLoggerHook`): `<mode>/<name>` for every numeric log value plus
 * `learning_rate`, at the global iteration. Pure file writing, so it works on
 * every backend.
 */
import * as path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { TensorboardWriter } from '../logging/tensorboard';
import { HOOKS } from '../registry/root';
import { HookPriorityProp } from '../runner/priority';
import type { BaseRunner } from '../runner/base-runner';
import { LoggerHook, LoggerHookBaseArgs } from './logger-base';

export const TensorboardLoggerHookArgs = Type.Object(
  {
    ...HookPriorityProp,
    ...LoggerHookBaseArgs,
    /** Event file directory (default `<work_dir>/tf_logs`). */
    log_dir: Type.Optional(Type.Union([Type.String(), Type.Null()])),
  },
  { additionalProperties: false },
);
export type TensorboardLoggerHookArgs = Static<typeof TensorboardLoggerHookArgs>;

@HOOKS.register({ name: 'TensorboardLoggerHook', schema: TensorboardLoggerHookArgs, description: 'scalars to TensorBoard event files' })
export class TensorboardLoggerHook extends LoggerHook {
  readonly name = 'TensorboardLoggerHook';
  private readonly logDirArg: string | null;
  writer?: TensorboardWriter;

  constructor(args: Partial<TensorboardLoggerHookArgs> = {}) {
    super(args);
    this.logDirArg = args.log_dir ?? null;
  }

  override beforeRun(runner: BaseRunner): void {
    super.beforeRun(runner);
    if (!runner.isMaster) return;
    this.writer = new TensorboardWriter(this.logDirArg ?? path.join(runner.workDir, 'tf_logs'));
  }

  protected log(runner: BaseRunner): void {
    if (!this.writer) return;
    this.writer.addScalars(this.loggableTags(runner), this.getIter(runner));
  }

  override afterRun(): void {
    this.writer?.close();
    this.writer = undefined;
  }
}
