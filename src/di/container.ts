/**
 * DI containers (inversify 7). One root container per process holds the
 * process-wide services; each runner gets a child container
 * (`new Container({ parent: root })`) with its own Logger and Config, so two
 * runners in one process share no mutable state. The tfjs backend itself is
 * process-global (tfjs has one active backend), so it lives in the root.
 */
import 'reflect-metadata';
import { Container } from 'inversify';
import { TOKENS, type BackendService, type DistContext, type FileIO, type Logger } from './tokens';
import { ConsoleLogger, type ConsoleLoggerOptions } from './logger';
import { LocalFileIO } from './file-io';
import { distContextFromEnv } from './dist-context';
import { DefaultBackendService } from './backend-service';

export interface RootContainerOptions {
  /** Requested backend (`--backend`); undefined = best available. */
  backend?: string;
  logger?: Logger | ConsoleLoggerOptions;
  fileIO?: FileIO;
  /** Environment read for RANK / WORLD_SIZE / LOCAL_RANK (default process.env). */
  env?: NodeJS.ProcessEnv;
}

function isLogger(x: unknown): x is Logger {
  return !!x && typeof (x as Logger).info === 'function' && typeof (x as Logger).setFile === 'function';
}

export function createRootContainer(opts: RootContainerOptions = {}): Container {
  const c = new Container();
  const dist = distContextFromEnv(opts.env ?? process.env);
  const logger = isLogger(opts.logger) ? opts.logger : new ConsoleLogger({ rank: dist.rank, ...(opts.logger ?? {}) });
  c.bind<DistContext>(TOKENS.DistContext).toConstantValue(dist);
  c.bind<Logger>(TOKENS.Logger).toConstantValue(logger);
  c.bind<FileIO>(TOKENS.FileIO).toConstantValue(opts.fileIO ?? new LocalFileIO());
  c.bind<BackendService>(TOKENS.Backend).toConstantValue(new DefaultBackendService(logger, opts.backend));
  return c;
}

export interface RunnerContainerOptions {
  /** The runner's config (bound as TOKENS.Config; a plain object or a Config). */
  config?: unknown;
  /** Runner-private logger options (e.g. `file: <work_dir>/<timestamp>.log`). */
  logger?: Logger | ConsoleLoggerOptions;
}

/**
 * A child of `root` for one runner: its own Logger (same level and rank as the
 * root's unless given) and its own Config binding; everything else is
 * inherited from the root.
 */
export function createRunnerContainer(root: Container, opts: RunnerContainerOptions = {}): Container {
  const c = new Container({ parent: root });
  const parentLogger = root.get<Logger>(TOKENS.Logger);
  const dist = root.get<DistContext>(TOKENS.DistContext);
  const logger = isLogger(opts.logger)
    ? opts.logger
    : new ConsoleLogger({ name: parentLogger.name, level: parentLogger.level, rank: dist.rank, ...(opts.logger ?? {}) });
  c.bind<Logger>(TOKENS.Logger).toConstantValue(logger);
  if (opts.config !== undefined) c.bind(TOKENS.Config).toConstantValue(opts.config);
  return c;
}
