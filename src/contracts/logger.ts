/**
 * The logger contract: leveled lines in MMCV's format. The one implementation
 * is `Logger` in `src/runner/logger.ts`; a run hands it out through the
 * `LOGGER` token of its container.
 */
export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

/** Numeric order of the levels (Python's logging values). */
export const LOG_LEVEL_ORDER: Readonly<Record<LogLevel, number>> = { DEBUG: 10, INFO: 20, WARNING: 30, ERROR: 40 };

/** `'warn'`, `'info'`, ... -> a LogLevel; unknown names are an error naming the value. */
export function normalizeLevel(level: string | undefined): LogLevel {
  const l = (level ?? 'INFO').toUpperCase();
  if (l === 'WARN') return 'WARNING';
  if (l in LOG_LEVEL_ORDER) return l as LogLevel;
  throw new Error(`unknown log level '${level}' (use DEBUG, INFO, WARNING or ERROR)`);
}

/** Leveled logging (MMCV's `get_root_logger`). */
export interface Logger {
  readonly name: string;
  level: LogLevel;
  debug(msg: string): void;
  info(msg: string): void;
  warn(msg: string): void;
  error(msg: string): void;
  /** Also write every line to `file` (created with its folder); `undefined` stops. */
  setFile(file: string | undefined): void;
  /** Flushes and closes the file sink. */
  close(): void;
}
