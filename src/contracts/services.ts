/**
 * The run's services and their typed DI tokens. Each run has an inversify
 * container (`src/di/container.ts`) that binds these tokens; a component the
 * run's registries build declares what it needs with `@inject(LOGGER)`
 * (inversify) and gets the run's service, so swapping a binding swaps the
 * service without touching the component.
 */
import type { Logger } from './logger';
import type { DistContext } from './dist';

/** A symbol that carries the type of the service bound to it. */
export type ServiceToken<T> = symbol & { readonly __service?: T };

function token<T>(key: string): ServiceToken<T> {
  return Symbol.for(key) as ServiceToken<T>;
}

/** What file IO writes: bytes, text, or chunks written in order. */
export type FileData = Uint8Array | string | Iterable<Uint8Array>;

/** File access of a run (checkpoints, the `latest` pointer); the default is the local disk. */
export interface FileIO {
  readFile(file: string): Uint8Array;
  exists(file: string): boolean;
  /** Readers see the old file or the new one, never a part of it (temp file + fsync + rename on disk). */
  writeFileAtomic(file: string, data: FileData): void;
}

/** The run's logger (rank 0 logs at the configured level, other ranks errors only). */
export const LOGGER = token<Logger>('fer-mm.Logger');
/** The run's process group (a `SingleProcessDist` outside a distributed launch). */
export const DIST = token<DistContext>('fer-mm.DistContext');
/** The run's file IO (checkpoints are written through it). */
export const FILE_IO = token<FileIO>('fer-mm.FileIO');
