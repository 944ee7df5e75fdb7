/**
 * Default Logger: `2026-01-01 12:00:00,123 - fer-mm - INFO - message` lines
 * (MMCV's format) on stderr (stdout stays free for tool output such as
 * print-config's JSON), and optionally appended to a file. Non-zero ranks only
 * log errors, like MMCV's `get_logger`.
 */
import fs from 'fs';
import path from 'path';
import type { Logger, LogLevel } from './tokens';

const ORDER: Record<LogLevel, number> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 };

export function normalizeLevel(level: string | undefined): LogLevel {
  const l = (level ?? 'INFO').toUpperCase();
  if (l === 'WARN') return 'WARNING';
  if (l in ORDER) return l as LogLevel;
  throw new Error(`unknown log level '${level}' (use DEBUG, INFO, WARNING or ERROR)`);
}

function stamp(d = new Date()): string {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())},${p(d.getMilliseconds(), 3)}`;
}

export interface ConsoleLoggerOptions {
  name?: string;
  level?: string;
  rank?: number;
  file?: string;
  /** Where console lines go (default: process.stderr). */
  stream?: { write(s: string): unknown };
  /** Also echo to the console (default true). */
  console?: boolean;
}

export class ConsoleLogger implements Logger {
  readonly name: string;
  level: LogLevel;
  private fd?: number;
  private file?: string;
  private readonly stream: { write(s: string): unknown };
  private readonly toConsole: boolean;
  private readonly rank: number;

  constructor(opts: ConsoleLoggerOptions = {}) {
    this.name = opts.name ?? 'fer-mm';
    this.rank = opts.rank ?? 0;
    this.level = this.rank === 0 ? normalizeLevel(opts.level) : 'ERROR';
    this.stream = opts.stream ?? process.stderr;
    this.toConsole = opts.console ?? true;
    if (opts.file) this.setFile(opts.file);
  }

  get logFile(): string | undefined {
    return this.file;
  }

  setFile(file: string | undefined): void {
    this.close();
    if (!file) return;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    this.fd = fs.openSync(file, 'a');
    this.file = file;
  }

  close(): void {
    if (this.fd !== undefined) fs.closeSync(this.fd);
    this.fd = undefined;
    this.file = undefined;
  }

  private log(level: LogLevel, msg: string): void {
    if (ORDER[level] < ORDER[this.level]) return;
    const line = `${stamp()} - ${this.name} - ${level} - ${msg}\n`;
    if (this.toConsole) this.stream.write(line);
    if (this.fd !== undefined) fs.writeSync(this.fd, line);
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
