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

/**
 * What a component built outside a run (a unit test's `new MyHook()`) logs to
 * until a run injects its `Logger`: the console at INFO, no file. Node-free,
 * so hooks stay in browser bundles.
 */
export function consoleLogger(name = 'fer-mm'): Logger {
  const at = (level: LogLevel, write: (line: string) => void) => (msg: string) => {
    if (LOG_LEVEL_ORDER[level] >= LOG_LEVEL_ORDER[logger.level]) write(`${name} - ${level} - ${msg}`);
  };
  const logger: Logger = {
    name,
    level: 'INFO',
    debug: at('DEBUG', (l) => console.debug(l)),
    info: at('INFO', (l) => console.info(l)),
    warn: at('WARNING', (l) => console.warn(l)),
    error: at('ERROR', (l) => console.error(l)),
    setFile: () => undefined,
    close: () => undefined,
  };
  return logger;
}
