/**
 * The plugin SDK, the package root `fer-mm`: what a plugin needs to define and
 * register components: the registries and the schema builder, `Module` and the
 * layers, hooks and their priorities, the contracts components implement, and
 * the config and plugin helpers. The rest of the framework is in the subpath
 * entries: `fer-mm/runner`, `fer-mm/data`, `fer-mm/checkpoint`, `fer-mm/config`,
 * `fer-mm/distributed`, `fer-mm/backend`, `fer-mm/hooks`, `fer-mm/optim`,
 * `fer-mm/lr`, `fer-mm/metrics`, `fer-mm/nn`, `fer-mm/di`, and `fer-mm/browser` (the
 * web entry). Browser bundles get `./sdk.ts` instead: this minus the plugin
 * loader and the Node-only built-in components.
 */
export * from './sdk';

// --- plugin loading (configs' custom_imports) ---
export { importCustomModules, importPlugin, PluginImportError, type LoadedPlugin } from './plugin-loader/loader';

// Importing `fer-mm` registers every built-in component (datasets, transforms, hooks,
// runners, optimizers, ...), as `import mmcls` does. A require, not an import: it keeps
// their declarations, and the Node typings some of them need, out of the SDK's .d.ts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('./builtins');
