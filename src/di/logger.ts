/**
 * The DI names of the one logger class (`src/runner/logger.ts`): `ConsoleLogger`
 * and its options are the same class and arguments under their older names.
 */
export { Logger as ConsoleLogger, normalizeLevel, type LoggerArgs as ConsoleLoggerOptions } from '../runner/logger';
