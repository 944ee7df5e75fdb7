/**
 * Console/file log lines with progress, ETA, lr, losses, time and data_time
 * (mmcv `TextLoggerHook`), and one JSON object per record in
 * `<work_dir>/<timestamp>.log.json` (the first line is the run meta).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { HOOKS } from '../registry/root';
import { HookPriorityProp } from '../runner/priority';
import type { BaseRunner } from '../runner/base-runner';
import type { LogValue } from '../runner/log-buffer';
import { tf } from '../tf';
import { LoggerHook, LoggerHookBaseArgs, formatLogValue } from './logger-base';

export const TextLoggerHookArgs = Type.Object(
  {
    ...HookPriorityProp,
    ...LoggerHookBaseArgs,
    /** Log the experiment name every `interval_exp_name` iterations. */
    interval_exp_name: Type.Integer({ minimum: 1, default: 1000 }),
    /** Copy the log files to this directory after the run (default: keep them in the work dir only). */
    out_dir: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    /** With out_dir: keep the local copies too. */
    keep_local: Type.Boolean({ default: true }),
  },
  { additionalProperties: false },
);
export type TextLoggerHookArgs = Static<typeof TextLoggerHookArgs>;

/** `H:MM:SS` like Python's `str(timedelta(seconds=int(s)))` (with days when over 24 h). */
export function formatEta(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  const days = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  const r = s % 60;
  const hms = `${h}:${String(m).padStart(2, '0')}:${String(r).padStart(2, '0')}`;
  return days ? `${days} day${days > 1 ? 's' : ''}, ${hms}` : hms;
}

function round5(v: LogValue): LogValue {
  if (typeof v === 'number') return Number.isInteger(v) ? v : Number(v.toFixed(5));
  if (Array.isArray(v)) return v.map((x) => Number(x.toFixed(5)));
  return v;
}

@HOOKS.register({ name: 'TextLoggerHook', schema: TextLoggerHookArgs, description: 'console + <ts>.log + <ts>.log.json' })
export class TextLoggerHook extends LoggerHook {
  readonly name = 'TextLoggerHook';
  readonly intervalExpName: number;
  private readonly outDir: string | null;
  private readonly keepLocal: boolean;
  private timeSecTot = 0;
  private startIter = 0;
  jsonLogPath = '';

  constructor(args: Partial<TextLoggerHookArgs> = {}) {
    super(args);
    this.intervalExpName = args.interval_exp_name ?? 1000;
    this.outDir = args.out_dir ?? null;
    this.keepLocal = args.keep_local ?? true;
  }

  override beforeRun(runner: BaseRunner): void {
    super.beforeRun(runner);
    this.startIter = runner.iter;
    this.jsonLogPath = path.join(runner.workDir, `${runner.timestamp || 'run'}.log.json`);
    if (runner.isMaster) {
      fs.mkdirSync(runner.workDir, { recursive: true });
      const meta = { ...runner.meta };
      delete meta.hook_msgs;
      if (Object.keys(meta).length) this.dump(meta, runner);
    }
  }

  private dump(record: Record<string, unknown>, runner: BaseRunner): void {
    if (!runner.isMaster) return;
    fs.appendFileSync(this.jsonLogPath, JSON.stringify(record) + '\n');
  }

  protected log(runner: BaseRunner): void {
    const out = runner.logBuffer.output;
    let curIter: number;
    if ('eval_iter_num' in out) {
      curIter = out.eval_iter_num as number;
      delete out.eval_iter_num;
    } else curIter = this.getIter(runner, true);
    const record: Record<string, LogValue> = { mode: this.getMode(runner), epoch: this.getEpoch(runner), iter: curIter };
    if (runner.optimizer) record.lr = runner.currentLr()[0];
    if ('time' in out) record.memory = Math.ceil(tf.memory().numBytes / (1024 * 1024));
    Object.assign(record, out);
    this.logInfo(record, runner);
    const json: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(record)) json[k] = round5(v);
    this.dump(json, runner);
  }

  private logInfo(rec: Record<string, LogValue>, runner: BaseRunner): void {
    if (runner.meta.exp_name && (this.everyNIters(runner, this.intervalExpName) || (this.byEpoch && this.endOfEpoch(runner)))) {
      this.logger.info(`Exp name: ${runner.meta.exp_name}`);
    }
    let line: string;
    if (rec.mode === 'train') {
      line = this.byEpoch
        ? `Epoch [${rec.epoch}][${rec.iter}/${runner.iterLength}]\t`
        : `Iter [${rec.iter}/${runner.maxIters}]\t`;
      if (typeof rec.lr === 'number') line += `lr: ${rec.lr.toExponential(3).replace(/e([+-])(\d)$/, 'e$10$2')}, `;
      if (typeof rec.time === 'number') {
        this.timeSecTot += rec.time * this.interval;
        const avg = this.timeSecTot / (runner.iter - this.startIter + 1);
        const eta = avg * ((runner.maxIters ?? runner.iter + 1) - runner.iter - 1);
        line += `eta: ${formatEta(eta)}, time: ${rec.time.toFixed(3)}, data_time: ${(rec.data_time as number).toFixed(3)}, memory: ${rec.memory}, `;
      }
    } else {
      line = this.byEpoch ? `Epoch(${rec.mode}) [${rec.epoch}][${rec.iter}]\t` : `Iter(${rec.mode}) [${rec.iter}]\t`;
    }
    const skip = new Set(['mode', 'Epoch', 'iter', 'lr', 'time', 'data_time', 'memory', 'epoch']);
    const items = Object.entries(rec)
      .filter(([k]) => !skip.has(k))
      .map(([k, v]) => `${k}: ${formatLogValue(v)}`);
    this.logger.info(line + items.join(', '));
  }

  override afterRun(runner: BaseRunner): void {
    if (!this.outDir || !runner.isMaster) return;
    const dest = path.join(this.outDir, path.basename(runner.workDir));
    fs.mkdirSync(dest, { recursive: true });
    for (const f of fs.readdirSync(runner.workDir)) {
      if (!f.endsWith('.log') && !f.endsWith('.log.json')) continue;
      fs.copyFileSync(path.join(runner.workDir, f), path.join(dest, f));
      if (!this.keepLocal) fs.rmSync(path.join(runner.workDir, f));
    }
  }
}
