/** Helpers every model component uses: schema defaults for direct construction, logging through the run's services. */
import type { TSchema, Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { BuildContext } from '../registry/registry';

/**
 * Fills schema defaults (the config validator does this too; doing it here
 * keeps `new X(args)` outside a registry build well-defined). Built component
 * instances in `args` are kept as they are.
 */
export function withDefaults<S extends TSchema>(schema: S, args: unknown): Static<S> {
  return Value.Default(schema, { ...((args ?? {}) as object) }) as Static<S>;
}

interface LoggerLike {
  info?(msg: string): void;
  warn?(msg: string): void;
}

function loggerOf(ctx: BuildContext | undefined): LoggerLike | undefined {
  return (ctx?.services as { logger?: LoggerLike } | undefined)?.logger;
}

/** Logs a warning through `ctx.services.logger` when the runner provides one, else the console. */
export function logWarn(ctx: BuildContext | undefined, msg: string): void {
  const logger = loggerOf(ctx);
  if (logger?.warn) logger.warn(msg);
  else console.warn(msg);
}

/** Logs an info line through `ctx.services.logger` when the runner provides one, else the console. */
export function logInfo(ctx: BuildContext | undefined, msg: string): void {
  const logger = loggerOf(ctx);
  if (logger?.info) logger.info(msg);
  else console.log(msg);
}
