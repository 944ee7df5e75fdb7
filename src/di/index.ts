/**
 * The run's service containers and their tokens. Ask for a service by
 * token, `@inject(LOGGER)` (inversify's decorator, re-exported here):
 * esbuild and tsx emit no decorator metadata, so type-based injection would
 * silently break; always name a token.
 */
export { LOGGER, DIST, FILE_IO, type ServiceToken, type FileIO, type FileData } from '../contracts/services';
export { createRootContainer, createRunnerContainer, type RootContainerOptions, type RunnerContainerOptions } from './container';
export { inject, injectable, optional, Container } from 'inversify';
export { distContextFromEnv } from '../runner/dist';
