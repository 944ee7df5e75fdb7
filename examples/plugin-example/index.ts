/**
 * fer-mm-plugin-example: importing this file registers, in the `example`
 * scope of the framework's registries,
 *   - `example.ResidualMLPNeck` (MODELS, role neck),
 *   - `example.MLPClsHead`      (MODELS, role head; owns an optional neck),
 *   - `example.GradNormHook`    (HOOKS; enable it through `custom_hooks`),
 * and binds its own service, `METRICS_SINK` (where GradNormHook's numbers go).
 * Configs load it with `custom_imports: { imports: ['<path or package>'] }`.
 */
export * from './components/scope';
export * from './components/residual-mlp-neck';
export * from './components/mlp-cls-head';
export * from './components/metrics-sink';
export * from './components/grad-norm-hook';
