/** Distributed data-parallel training and testing (see docs/distributed.md). */
export * from './env';
export * from './errors';
export * from './process-group';
export * from './tf-dist';
export * from './collect';
export * from './launcher';
export * from './init';
export * from './register';
export * from './engine';
export * from './overlap';
