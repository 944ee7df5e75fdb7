/** Registers every built-in transform in TRANSFORMS. */
export * from './compose';
export * from './loading';
export * from './geometric';
export * from './color';
export * from './normalize';
export * from './erasing';
export * from './formatting';
export * from './auto-augment-ops';
export * from './rand-augment';
export { RAND_INCREASING_POLICIES } from './rand-augment-policies';
