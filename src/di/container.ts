/**
 * DI containers (inversify 7). One root container per process holds the
 * process-wide services; each run gets a child container
 * (`new Container({ parent: root })`) with its own Logger, Config and (when
 * given) process group, so two runs in one process share no mutable state.
 * The tfjs backend itself is process-global (tfjs has one active backend), so
 * it lives in the root.
 */
import 'reflect-metadata';
import { Container } from 'inversify';
import { TOKENS, type BackendService, type FileIO } from '../contracts/services';
import type { Logger } from '../contracts/logger';
import type { DistContext } from '../contracts/dist';
import { Logger as RunLogger, type LoggerArgs } from '../runner/logger';
import { distContextFromEnv } from '../runner/dist';
import { LocalFileIO } from './file-io';
import { DefaultBackendService } from './backend-service';
import { ContainerRunContext } from './run-context';

export interface RootContainerOptions {
  /** Requested backend (`--backend`); undefined = best available. */
  backend?: string;
  logger?: Logger | LoggerArgs;
  fileIO?: FileIO;
  /** The process group (default: the one RANK / WORLD_SIZE / LOCAL_RANK describe). */
  dist?: DistContext;
  /** Environment read for RANK / WORLD_SIZE / LOCAL_RANK (default process.env). */
  env?: NodeJS.ProcessEnv;
}

function isLogger(x: unknown): x is Logger {
  return !!x && typeof (x as Logger).info === 'function' && typeof (x as Logger).setFile === 'function';
}

export function createRootContainer(opts: RootContainerOptions = {}): Container {
  const c = new Container();
  const dist = opts.dist ?? distContextFromEnv(opts.env ?? process.env);
  const logger = isLogger(opts.logger) ? opts.logger : new RunLogger({ rank: dist.rank, ...(opts.logger ?? {}) });
  c.bind<DistContext>(TOKENS.DistContext).toConstantValue(dist);
  c.bind<Logger>(TOKENS.Logger).toConstantValue(logger);
  c.bind<FileIO>(TOKENS.FileIO).toConstantValue(opts.fileIO ?? new LocalFileIO());
  c.bind<BackendService>(TOKENS.Backend).toConstantValue(new DefaultBackendService(logger, opts.backend));
  return c;
}

export interface RunnerContainerOptions {
  /** The run's config (bound as TOKENS.Config; a plain object or a Config). */
  config?: unknown;
  /** The run's logger, or options for a new one (e.g. `file: <work_dir>/<timestamp>.log`). */
  logger?: Logger | LoggerArgs;
  /** The run's process group (default: the root's). */
  dist?: DistContext;
}

/**
 * A child of `root` for one run: its own Logger (same level and rank as the
 * root's unless given), Config and optionally DistContext; everything else is
 * inherited from the root.
 */
export function createRunnerContainer(root: Container, opts: RunnerContainerOptions = {}): Container {
  const c = new Container({ parent: root });
  const parentLogger = root.get<Logger>(TOKENS.Logger);
  const dist = opts.dist ?? root.get<DistContext>(TOKENS.DistContext);
  const logger = isLogger(opts.logger)
    ? opts.logger
    : new RunLogger({ name: parentLogger.name, level: parentLogger.level, rank: dist.rank, ...(opts.logger ?? {}) });
  c.bind<Logger>(TOKENS.Logger).toConstantValue(logger);
  if (opts.dist) c.bind<DistContext>(TOKENS.DistContext).toConstantValue(opts.dist);
  if (opts.config !== undefined) c.bind(TOKENS.Config).toConstantValue(opts.config);
  return c;
}

/** The typed view of a run's container (`ctx.services` of what the run builds). */
export function runContext(container: Container): ContainerRunContext {
  return new ContainerRunContext(container);
}
