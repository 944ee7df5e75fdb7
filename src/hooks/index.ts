/** Registers every built-in hook in HOOKS (import for the side effect). */
export * from './logger-base';
export * from './optimizer';
export * from './gradient-cumulative-optimizer';
export * from './lr-updater';
export * from './checkpoint';
export * from './eval';
export * from './text-logger';
export * from './tensorboard-logger';
export * from './iter-timer';
export * from './dist-sampler-seed';
export * from './ema';
export * from './progress-bar';
export * from './plateau-detector';
