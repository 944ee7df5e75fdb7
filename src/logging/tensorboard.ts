/**
 * A dependency-free TensorBoard event writer for scalars (what mmcv's
 * TensorboardLoggerHook logs). Works on every tfjs backend: it only writes
 * files. Creates `<logDir>/events.out.tfevents.<unix seconds>.<hostname>`
 * (a `.<n>` suffix is added if that name exists), whose first record is the
 * `brain.Event:2` version event; scalars are buffered and written on
 * `flush()`, `close()`, every `maxQueue` events or after `flushSecs`.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { frameRecord } from './tb/record';
import { encodeFileVersionEvent, encodeScalarEvent } from './tb/protobuf';

export interface SummaryWriterOptions {
  /** Write buffered events after this many (default 10). */
  maxQueue?: number;
  /** Write buffered events when the oldest is this old, checked on add (default 120 s, as TF). */
  flushSecs?: number;
  /** Appended to the file name (TF's `filename_suffix`). */
  filenameSuffix?: string;
}

export class TensorboardWriter {
  readonly file: string;
  private fd: number | null;
  private queue: Buffer[] = [];
  private lastFlush = Date.now();
  private readonly maxQueue: number;
  private readonly flushMs: number;

  constructor(readonly logDir: string, opts: SummaryWriterOptions = {}) {
    this.maxQueue = opts.maxQueue ?? 10;
    this.flushMs = (opts.flushSecs ?? 120) * 1000;
    fs.mkdirSync(logDir, { recursive: true });
    const base = `events.out.tfevents.${Math.floor(Date.now() / 1000)}.${os.hostname()}${opts.filenameSuffix ?? ''}`;
    let name = base;
    for (let n = 1; fs.existsSync(path.join(logDir, name)); n++) name = `${base}.${n}`;
    this.file = path.join(logDir, name);
    this.fd = fs.openSync(this.file, 'wx');
    fs.writeSync(this.fd, frameRecord(encodeFileVersionEvent(Date.now() / 1000)));
  }

  /** Logs `value` under `tag` at `step` (`walltime` in seconds, default now). */
  addScalar(tag: string, value: number, step: number, walltime?: number): void {
    this.addScalars({ [tag]: value }, step, walltime);
  }

  /** Logs several scalars at one step, one event each (as tensorboardX). */
  addScalars(values: Record<string, number>, step: number, walltime?: number): void {
    if (this.fd === null) throw new Error(`TensorboardWriter: ${this.file} is closed`);
    if (!Number.isFinite(step)) throw new Error(`TensorboardWriter.addScalar: step must be a finite number (got ${step})`);
    const t = walltime ?? Date.now() / 1000;
    for (const [tag, value] of Object.entries(values)) {
      if (typeof tag !== 'string' || !tag) throw new Error('TensorboardWriter.addScalar: tag must be a non-empty string');
      this.queue.push(frameRecord(encodeScalarEvent(t, step, [{ tag, value: Number(value) }])));
    }
    if (this.queue.length >= this.maxQueue || Date.now() - this.lastFlush >= this.flushMs) this.flush();
  }

  /** Writes buffered events to disk. */
  flush(): void {
    if (this.fd === null) return;
    if (this.queue.length) {
      fs.writeSync(this.fd, Buffer.concat(this.queue));
      this.queue = [];
    }
    fs.fsyncSync(this.fd);
    this.lastFlush = Date.now();
  }

  /** Flushes and closes the file; later adds throw. */
  close(): void {
    if (this.fd === null) return;
    this.flush();
    fs.closeSync(this.fd);
    this.fd = null;
  }
}
