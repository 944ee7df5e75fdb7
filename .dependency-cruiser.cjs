/**
 * The framework's layers, lowest first. A module may import its own layer and
 * the layers below it, never a layer above (docs/architecture.md has the diagram
 * and says why each directory sits where it does). `npm run lint` runs this on
 * src, plugins, examples and tools; tests are free to import anything.
 */
const LAYERS = [
  // 0: leaves: the tfjs facade, small helpers, the shared contracts
  { name: 'utils', path: '^src/(tf\\.ts$|utils/|contracts/)' },
  // 1: compute backends (tensorflow / wasm / cpu selection, wasm kernels)
  { name: 'backend', path: '^src/backend/' },
  // 2: Module and layers, functional ops
  { name: 'nn', path: '^src/nn/' },
  // 3: the framework core: registries, configs, the plugin loader (configs' custom_imports),
  { name: 'registry/config', path: '^src/(registry|config|plugin-loader)/' },
  // 4: components built from the registries; logging (TensorBoard writer) and
  //    visualization (SVG/PNG charts) are leaves the hooks and tools draw on
  { name: 'components', path: '^src/(data|optim|lr|metrics|checkpoint|models|logging|visualization)/' },
  // 5: the training loop and its hooks
  //    and the run's service containers (inversify); components get their services by
  //    injection (the registries build them through the run's container), not by importing it
  { name: 'runner/hooks', path: '^src/(runner/(?!api/|index\\.ts$)|hooks/|di/)' },
  // 6: train/test/infer APIs; the fer-mm/runner entry (runner + its APIs); the
  //    multi-process launchers, which plug into the runner's launcher table;
  //    the package entry and the module that loads every built-in component
  //    the export format and the browser entry (an export is built like a test-time model)
  { name: 'apis', path: '^src/(runner/api/|runner/index\\.ts$|apis/|distributed/|export/|browser/|index\\.ts$|sdk\\.ts$|builtins\\.ts$)' },
  // 7: command-line tools
  { name: 'tools', path: '^tools/' },
];

const layerRules = LAYERS.slice(0, -1).map((layer, i) => ({
  name: `layer-${layer.name}`,
  comment: `${layer.name} may not import a higher layer (${LAYERS.slice(i + 1).map((l) => l.name).join(', ')})`,
  severity: 'error',
  from: { path: layer.path },
  to: { path: LAYERS.slice(i + 1).map((l) => `(${l.path})`).join('|') },
}));

// A plugin (built-in, example or third-party) reaches the framework only through its
// public entries, `fer-mm` and `fer-mm/<subpath>` (src/index.ts, src/<dir>/index.ts).
const PUBLIC_ENTRY = '^src/(index|[^/]+/index)\\.ts$';
const PLUGIN = '^(plugins|examples)/';

module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'layer-undeclared',
      comment: 'every directory of src/ sits in a declared layer (add it to LAYERS above and to docs/architecture.md)',
      severity: 'error',
      from: { path: '^src/', pathNot: LAYERS.map((l) => `(${l.path})`).join('|') },
      to: {},
    },
    {
      name: 'no-circular',
      comment: 'no import cycles (type-only imports excepted: they vanish at run time)',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'core-not-to-plugins',
      comment: 'the framework and its tools never import a plugin; configs pull plugins in with custom_imports',
      severity: 'error',
      from: { path: '^(src|tools)/' },
      to: { path: PLUGIN },
    },
    {
      name: 'plugin-public-entries-only',
      comment: "plugins import the framework as 'fer-mm' or 'fer-mm/<subpath>', never a file inside it",
      severity: 'error',
      from: { path: PLUGIN },
      to: { path: '^(src|tools|test)/', pathNot: PUBLIC_ENTRY },
    },
    {
      name: 'plugin-by-package-name',
      comment: "plugins reach the framework by its package name ('fer-mm'), not by a relative path",
      severity: 'error',
      from: { path: PLUGIN },
      to: { path: '^src/', dependencyTypesNot: ['aliased'] },
    },
    {
      name: 'plugin-to-other-plugin',
      comment: 'a plugin reaches another plugin through its package name (its public entry), not its files',
      severity: 'error',
      from: { path: '^(plugins|examples)/([^/]+)/' },
      to: { path: PLUGIN, pathNot: '^$1/$2/', dependencyTypesNot: ['aliased'] },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'every import resolves (a misspelt path or an undeclared package)',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|test)/|\\.test\\.ts$' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    // resolve packages through their exports maps, as node's require does
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['require', 'node', 'default', 'types'] },
    cache: { folder: 'node_modules/.cache/dependency-cruiser', strategy: 'content' },
  },
};
