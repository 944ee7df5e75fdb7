/** Runtime services and their DI containers. */
export * from './tokens';
export * from './logger';
export * from './file-io';
export * from './dist-context';
export * from './backend-service';
export * from './container';
