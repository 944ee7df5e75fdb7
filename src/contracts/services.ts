/**
 * The run's services and their typed DI tokens. A run's inversify container
 * (see `src/di/container.ts`) binds each token; components, hooks and datasets
 * ask for them with `ctx.get(LOGGER)` / `runner.get(DIST)` (typed), never by
 * reaching into untyped objects.
 */
import type { Logger } from './logger';
import type { DistContext } from './dist';

/** A symbol that carries the type of the service bound to it. */
export type ServiceToken<T> = symbol & { readonly __service?: T };

function token<T>(key: string): ServiceToken<T> {
  return Symbol.for(key) as ServiceToken<T>;
}

/** File access used by checkpoints, dumps and logs. */
export interface FileIO {
  readFile(file: string): Promise<Uint8Array>;
  readText(file: string): Promise<string>;
  exists(file: string): Promise<boolean>;
  mkdirp(dir: string): Promise<void>;
  remove(file: string): Promise<void>;
  listDir(dir: string): Promise<string[]>;
  /** Writes via a temp file in the same folder + fsync + rename: readers never see a partial file. */
  writeFileAtomic(file: string, data: Uint8Array | string): Promise<void>;
  writeFileAtomicSync(file: string, data: Uint8Array | string): void;
}

/** The tfjs backend service: selects and reports the active backend. */
export interface BackendService {
  /** The backend asked for (`undefined`: best available). */
  readonly requested?: string;
  /** The active backend after `init()`. */
  readonly active?: string;
  init(): Promise<string>;
}

/** The run's logger (rank 0 logs at the configured level, other ranks errors only). */
export const LOGGER = token<Logger>('fer-mm.Logger');
/** File IO (atomic writes). */
export const FILE_IO = token<FileIO>('fer-mm.FileIO');
/** The tfjs backend service. */
export const BACKEND = token<BackendService>('fer-mm.Backend');
/** The process group of the run (a `SingleProcessDist` outside a distributed launch). */
export const DIST = token<DistContext>('fer-mm.DistContext');
/** The run's resolved config (a plain object). */
export const CONFIG = token<Record<string, unknown>>('fer-mm.Config');

/** The tokens by name (the same symbols as the constants above). */
export const TOKENS = {
  Logger: LOGGER,
  FileIO: FILE_IO,
  Backend: BACKEND,
  DistContext: DIST,
  Config: CONFIG,
} as const;

/** Anything that hands out services by typed token: a run context, a runner. */
export interface ServiceProvider {
  get<T>(token: ServiceToken<T>): T;
}

/**
 * What a component, dataset or hook receives as `ctx.services` when a run
 * builds it: its typed `get(TOKEN)` and the run's inversify container.
 */
export interface RunContext extends ServiceProvider {
  /** The run's child container (inversify); prefer `get(TOKEN)`. */
  readonly container: { get(id: symbol): unknown; isBound(id: symbol): boolean };
  /** Whether `token` is bound in this run. */
  has(token: ServiceToken<unknown>): boolean;
}

/** The run context of a build context's `services`, or undefined when built outside a run (tests, tools). */
export function runContextOf(ctx: { services?: unknown } | undefined): RunContext | undefined {
  const s = ctx?.services as Partial<RunContext> | undefined;
  return s && typeof s.get === 'function' && typeof s.has === 'function' ? (s as RunContext) : undefined;
}
