/** Helpers every model component uses: schema defaults for direct construction, logging through the run's services. */
import type { TSchema, Static } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import { serviceOf, type BuildContext } from '../registry/registry';
import { LOGGER } from '../contracts/services';
import type { Logger } from '../contracts/logger';

/**
 * Fills schema defaults (the config validator does this too; doing it here
 * keeps `new X(args)` outside a registry build well-defined). Built component
 * instances in `args` are kept as they are.
 */
export function withDefaults<S extends TSchema>(schema: S, args: unknown): Static<S> {
  return Value.Default(schema, { ...((args ?? {}) as object) }) as Static<S>;
}

/** The run's logger, when a run builds the component. */
function loggerOf(ctx: BuildContext | undefined): Logger | undefined {
  return serviceOf(ctx, LOGGER);
}

/** Logs a warning through the run's logger when a run builds the component, else the console. */
export function logWarn(ctx: BuildContext | undefined, msg: string): void {
  const logger = loggerOf(ctx);
  if (logger) logger.warn(msg);
  else console.warn(msg);
}

/** Logs an info line through the run's logger when a run builds the component, else the console. */
export function logInfo(ctx: BuildContext | undefined, msg: string): void {
  const logger = loggerOf(ctx);
  if (logger) logger.info(msg);
  else console.log(msg);
}
