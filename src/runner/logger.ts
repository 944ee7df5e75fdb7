/**
 * The one logger implementation: mmcv-style lines
 * (`2026-01-01 12:00:00,123 - fer-mm - INFO - msg`) to the console (stderr, so
 * stdout stays free for tool output) and, once a file is attached, appended to
 * it. Non-zero ranks log errors only, like mmcv's `get_logger`. A run hands it
 * out through the `LOGGER` token of its container.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LOG_LEVEL_ORDER, normalizeLevel, type LogLevel, type Logger as LoggerContract } from '../contracts/logger';

export { normalizeLevel, type LogLevel };

export interface LoggerArgs {
  /** Name shown in each line. */
  name?: string;
  /** `'INFO'`, `'warn'`, ... (default INFO). */
  level?: LogLevel | string;
  /** Write to the console (default true). */
  console?: boolean;
  /** Rank of this process; ranks > 0 log errors only. */
  rank?: number;
  /** Append every line to this file (its folder is created). */
  file?: string;
  /** Where console lines go (default: process.stderr). */
  stream?: { write(s: string): unknown };
}

/** Where console lines go; a progress bar can take it over so lines print above the bar. */
export type ConsoleSink = (line: string, level: LogLevel) => void;

export class Logger implements LoggerContract {
  readonly name: string;
  level: LogLevel;
  private fd: number | null = null;
  private readonly toConsole: boolean;
  readonly rank: number;
  filePath: string | null = null;
  sink: ConsoleSink;

  constructor(args: LoggerArgs = {}) {
    this.name = args.name ?? 'fer-mm';
    this.rank = args.rank ?? 0;
    this.level = this.rank === 0 ? normalizeLevel(args.level) : 'ERROR';
    this.toConsole = args.console ?? true;
    const stream = args.stream ?? process.stderr;
    this.sink = (line) => {
      stream.write(line + '\n');
    };
    if (args.file) this.attachFile(args.file);
  }

  /** The attached file, if any. */
  get logFile(): string | undefined {
    return this.filePath ?? undefined;
  }

  /** The `Logger` contract: write to `file` from now on, or stop writing to a file. */
  setFile(file: string | undefined): void {
    if (file === undefined) this.close();
    else this.attachFile(file);
  }

  /** Appends every later line to `file` (creating its folder). */
  attachFile(file: string): void {
    this.close();
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
    this.filePath = file;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    this.filePath = null;
  }

  log(level: LogLevel, msg: string): void {
    if (LOG_LEVEL_ORDER[level] < LOG_LEVEL_ORDER[this.level]) return;
    const line = `${formatTime(new Date())} - ${this.name} - ${level} - ${msg}`;
    if (this.toConsole) this.sink(line, level);
    if (this.fd !== null) fs.writeSync(this.fd, line + '\n');
  }

  debug(msg: string): void {
    this.log('DEBUG', msg);
  }
  info(msg: string): void {
    this.log('INFO', msg);
  }
  warn(msg: string): void {
    this.log('WARNING', msg);
  }
  error(msg: string): void {
    this.log('ERROR', msg);
  }
}

function pad(n: number, w = 2): string {
  return String(n).padStart(w, '0');
}

/** `YYYY-MM-DD HH:MM:SS,mmm` local time, as Python's logging. */
export function formatTime(d: Date): string {
  return (
    `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())},${pad(d.getMilliseconds(), 3)}`
  );
}

/** `YYYYMMDD_HHMMSS`, the mmcls run timestamp that names the log files. */
export function runTimestamp(d: Date = new Date()): string {
  return (
    `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}_` +
    `${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`
  );
}
