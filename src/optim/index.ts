export * from './types';
export * from './optimizer';
export * from './sgd';
export * from './adam';
export * from './paramwise';
export * from './builder';
export * from './clip';
export * from './module-kinds';
