/**
 * Service tokens of the DI containers (defined in `src/contracts/services.ts`).
 * Ask with the typed constants (`ctx.get(LOGGER)`, `runner.get(DIST)`);
 * `TOKENS.Logger` etc. are the same symbols. tsx/esbuild do not emit decorator
 * metadata, so type-based injection would silently break: always name a token.
 */
export { TOKENS, LOGGER, FILE_IO, BACKEND, DIST, CONFIG, runContextOf } from '../contracts/services';
export type { ServiceToken, ServiceProvider, RunContext, FileIO, BackendService } from '../contracts/services';
export type { Logger, LogLevel } from '../contracts/logger';
export type { DistContext, DistInfo } from '../contracts/dist';
