/**
 * The run logger: mmcv-style lines (`2026-01-01 12:00:00,123 - fer-mm - INFO - msg`)
 * to the console and, once a log file is attached, to `<work_dir>/<ts>.log`.
 * Non-master ranks log warnings and errors only (as mmcv's `get_root_logger`).
 */
import * as fs from 'node:fs';

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';
const LEVELS: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 };

export interface LoggerArgs {
  /** Name shown in each line. */
  name?: string;
  level?: LogLevel;
  /** Write to the console (stderr, so stdout stays free for tool output). */
  console?: boolean;
  /** Rank of this process; ranks > 0 only log WARNING and above. */
  rank?: number;
}

/** Where console lines go; a progress bar can take it over so lines print above the bar. */
export type ConsoleSink = (line: string, level: LogLevel) => void;
const defaultSink: ConsoleSink = (line) => {
  process.stderr.write(line + '\n');
};

export class Logger {
  readonly name: string;
  level: LogLevel;
  private fd: number | null = null;
  private readonly toConsole: boolean;
  private readonly rank: number;
  filePath: string | null = null;
  sink: ConsoleSink = defaultSink;

  constructor(args: LoggerArgs = {}) {
    this.name = args.name ?? 'fer-mm';
    this.level = args.level ?? 'INFO';
    this.toConsole = args.console ?? true;
    this.rank = args.rank ?? 0;
  }

  /** The DI `Logger` contract: write to `file` from now on, or stop writing to a file. */
  setFile(file: string | undefined): void {
    if (file === undefined) this.close();
    else this.attachFile(file);
  }

  /** Appends every later line to `file`. */
  attachFile(file: string): void {
    this.close();
    this.fd = fs.openSync(file, 'a');
    this.filePath = file;
  }

  close(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
  }

  log(level: LogLevel, msg: string): void {
    const min = this.rank === 0 ? LEVELS[this.level] : LEVELS.WARNING;
    if (LEVELS[level] < min) return;
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
