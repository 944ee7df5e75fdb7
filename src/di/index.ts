/** Runtime services and their DI containers. */
export * from './tokens';
export * from './logger';
export * from './file-io';
export * from './backend-service';
export * from './container';
export * from './run-context';
export { distContextFromEnv } from '../runner/dist';
