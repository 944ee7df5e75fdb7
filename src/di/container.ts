/**
 * DI containers (inversify 7). One root container per process holds the
 * process-wide services; each run gets a child container
 * (`new Container({ parent: root })`) with its own logger and (when given)
 * process group, so two runs in one process share no mutable state. The
 * registries build every component of a run through its container, so a
 * component's `@inject(TOKEN)` fields and parameters get these services.
 * Plugins add their own services to every root (`registerServices`).
 */
import { Container } from 'inversify';
import { DIST, FILE_IO, LOGGER, type FileIO } from '../contracts/services';
import type { Logger } from '../contracts/logger';
import type { DistContext } from '../contracts/dist';
import { DiskFileIO } from '../checkpoint/file-io';
import { Logger as ConsoleLineLogger, type LoggerArgs } from '../runner/logger';
import { distContextFromEnv } from '../runner/dist';
import { registeredServices } from '../registry/registry';

export interface RootContainerOptions {
  logger?: Logger | LoggerArgs;
  /** Default: the local disk (`DiskFileIO`). */
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
  const logger = isLogger(opts.logger) ? opts.logger : new ConsoleLineLogger({ rank: dist.rank, ...(opts.logger ?? {}) });
  c.bind<DistContext>(DIST).toConstantValue(dist);
  c.bind<Logger>(LOGGER).toConstantValue(logger);
  c.bind<FileIO>(FILE_IO).toConstantValue(opts.fileIO ?? new DiskFileIO());
  c.loadSync(...registeredServices());
  return c;
}

export interface RunnerContainerOptions {
  /** The run's logger, or options for a new one (e.g. `file: <work_dir>/<timestamp>.log`). */
  logger?: Logger | LoggerArgs;
  /** The run's process group (default: the root's). */
  dist?: DistContext;
}

/**
 * A child of `root` for one run: its own logger (same level and rank as the
 * root's unless given) and optionally process group; everything else
 * (file IO, what plugins bound) is inherited from the root.
 */
export function createRunnerContainer(root: Container, opts: RunnerContainerOptions = {}): Container {
  const c = new Container({ parent: root });
  const parentLogger = root.get<Logger>(LOGGER);
  const dist = opts.dist ?? root.get<DistContext>(DIST);
  const logger = isLogger(opts.logger)
    ? opts.logger
    : new ConsoleLineLogger({ name: parentLogger.name, level: parentLogger.level, rank: dist.rank, ...(opts.logger ?? {}) });
  c.bind<Logger>(LOGGER).toConstantValue(logger);
  if (opts.dist) c.bind<DistContext>(DIST).toConstantValue(opts.dist);
  return c;
}
