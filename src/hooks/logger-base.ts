/**
 * What the logger hooks share (mmcv `LoggerHook`): averaging the log buffer
 * every `interval` iterations, the mode/epoch/iter of a log record, and the
 * tags worth logging. Not registered itself.
 */
import { Type } from '@sinclair/typebox';
import type { BaseRunner } from '../runner/base-runner';
import { Hook } from '../runner/hook';
import { Priority } from '../runner/priority';
import type { LogValue } from '../runner/log-buffer';

export const LoggerHookBaseArgs = {
  /** Log every `interval` iterations (default from log_config.interval). */
  interval: Type.Integer({ minimum: 1, default: 10 }),
  /** Skip the partial interval at the end of an epoch. */
  ignore_last: Type.Boolean({ default: true }),
  /** Clear the buffer output after logging (forced on for the last logger hook). */
  reset_flag: Type.Boolean({ default: false }),
  by_epoch: Type.Boolean({ default: true }),
};

export interface LoggerHookBaseInit {
  interval?: number;
  ignore_last?: boolean;
  reset_flag?: boolean;
  by_epoch?: boolean;
}

export abstract class LoggerHook extends Hook {
  static override priority = Priority.VERY_LOW;
  interval: number;
  ignoreLast: boolean;
  resetFlag: boolean;
  byEpoch: boolean;

  constructor(args: LoggerHookBaseInit) {
    super();
    this.interval = args.interval ?? 10;
    this.ignoreLast = args.ignore_last ?? true;
    this.resetFlag = args.reset_flag ?? false;
    this.byEpoch = args.by_epoch ?? true;
  }

  /** Writes one record (the buffer output has been averaged). */
  protected abstract log(runner: BaseRunner): void | Promise<void>;

  override beforeRun(runner: BaseRunner): void | Promise<void> {
    // The last logger hook clears the buffer output, so every logger sees it first.
    const loggers = runner.hooks.filter((h) => h instanceof LoggerHook) as LoggerHook[];
    if (loggers.length && loggers[loggers.length - 1] === this) this.resetFlag = true;
  }

  override beforeTrainEpoch(runner: BaseRunner): void {
    runner.logBuffer.clear();
  }
  override beforeValEpoch(runner: BaseRunner): void {
    runner.logBuffer.clear();
  }

  override async afterTrainIter(runner: BaseRunner): Promise<void> {
    if (this.byEpoch && this.everyNInnerIters(runner, this.interval)) runner.logBuffer.average(this.interval);
    else if (!this.byEpoch && this.everyNIters(runner, this.interval)) runner.logBuffer.average(this.interval);
    else if (this.endOfEpoch(runner) && !this.ignoreLast) runner.logBuffer.average(this.interval);
    if (runner.logBuffer.ready) {
      await this.log(runner);
      if (this.resetFlag) runner.logBuffer.clearOutput();
    }
  }

  override async afterTrainEpoch(runner: BaseRunner): Promise<void> {
    if (runner.logBuffer.ready) {
      await this.log(runner);
      if (this.resetFlag) runner.logBuffer.clearOutput();
    }
  }

  override async afterValEpoch(runner: BaseRunner): Promise<void> {
    runner.logBuffer.average();
    await this.log(runner);
    if (this.resetFlag) runner.logBuffer.clearOutput();
  }

  getMode(runner: BaseRunner): 'train' | 'val' {
    if (runner.mode === 'train') return 'time' in runner.logBuffer.output ? 'train' : 'val';
    return 'val';
  }

  getEpoch(runner: BaseRunner): number {
    // In val mode the train epoch has already been counted.
    return runner.mode === 'train' ? runner.epoch + 1 : runner.epoch;
  }

  getIter(runner: BaseRunner, innerIter = false): number {
    return this.byEpoch && innerIter ? runner.innerIter + 1 : runner.iter + 1;
  }

  /** Scalar tags: `<mode>/<name>` plus `learning_rate` (mmcv `get_loggable_tags`). */
  loggableTags(runner: BaseRunner, tagsToSkip = ['time', 'data_time', 'eval_iter_num']): Record<string, number> {
    const tags: Record<string, number> = {};
    const mode = this.getMode(runner);
    for (const [k, v] of Object.entries(runner.logBuffer.output)) {
      if (tagsToSkip.includes(k) || typeof v !== 'number') continue;
      tags[`${mode}/${k}`] = v;
    }
    if (runner.optimizer) {
      const lrs = runner.currentLr();
      tags['learning_rate'] = lrs[0];
    }
    return tags;
  }
}

/** Formats a log value like mmcv: floats with 4 decimals, lists element-wise. */
export function formatLogValue(v: LogValue): string {
  // mmcv prints every float with 4 decimals, whole ones too (`15.0000`); JS cannot tell 15 from 15.0.
  if (typeof v === 'number') return v.toFixed(4);
  if (Array.isArray(v)) return `[${v.map((x) => (Number.isInteger(x) ? String(x) : x.toFixed(4))).join(', ')}]`;
  return String(v);
}
