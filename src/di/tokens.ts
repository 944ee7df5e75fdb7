/**
 * Service tokens of the DI containers. Inject with these explicit tokens
 * (`container.get<Logger>(TOKENS.Logger)`): tsx/esbuild do not emit decorator
 * metadata, so type-based injection would silently break.
 */
export const TOKENS = {
  Logger: Symbol.for('fer-mm.Logger'),
  FileIO: Symbol.for('fer-mm.FileIO'),
  Backend: Symbol.for('fer-mm.Backend'),
  DistContext: Symbol.for('fer-mm.DistContext'),
  Config: Symbol.for('fer-mm.Config'),
} as const;

export type LogLevel = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

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

/** Where this process sits in a distributed run (from RANK / WORLD_SIZE / LOCAL_RANK). */
export interface DistContext {
  readonly rank: number;
  readonly worldSize: number;
  readonly localRank: number;
  readonly isDistributed: boolean;
}

/** The tfjs backend service: selects and reports the active backend. */
export interface BackendService {
  /** The backend asked for (`undefined`: best available). */
  readonly requested?: string;
  /** The active backend after `init()`. */
  readonly active?: string;
  init(): Promise<string>;
}
