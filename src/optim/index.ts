/**
 * Optimizers (registered in OPTIMIZERS), the `paramwise_cfg` constructor and
 * gradient clipping. Typical runner use:
 *
 *   const opt = buildOptimizer(model.namedParameters(), cfg.optimizer, moduleKindsOf(model));
 *   // each iteration (grads keyed by PARAMETER name):
 *   const gradNorm = clipGradNorm(grads, 10);   // optional, in place, returns the total norm
 *   opt.step(grads);                            // grads stay owned by the caller
 *   // checkpoints: opt.stateDict() / opt.loadStateDict(s); finally opt.dispose()
 */
export * from './types';
export * from './optimizer';
export * from './sgd';
export * from './adam';
export * from './paramwise';
export * from './builder';
export * from './clip';
export * from './module-kinds';
export * from './grads';
