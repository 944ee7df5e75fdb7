export * from './policy';
export * from './policies';
export * from './builder';
