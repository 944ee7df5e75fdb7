/**
 * The package root is the plugin SDK: everything a plugin needs to define and
 * register components. The rest of the framework is in the subpath entries
 * (`fer-mm/config`, `fer-mm/runner`, ...), each `src/<dir>/index.ts`.
 */
import * as api from '../../src';
import * as backend from '../../src/backend';
import * as checkpoint from '../../src/checkpoint';
import * as config from '../../src/config';
import * as data from '../../src/data';
import * as di from '../../src/di';
import * as runner from '../../src/runner';

describe('public API (package root: the plugin SDK)', () => {
  it.each([
    // registries and decorators
    'Registry', 'MODELS', 'DATASETS', 'TRANSFORMS', 'SAMPLERS', 'HOOKS', 'OPTIMIZERS', 'LR_SCHEDULES', 'METRICS', 'RUNNERS',
    'Component', 'declareRootRegistry', 'RegistryError', 'withPluginSource', 'Type',
    // validation, configs, plugin loading
    'validateConfig', 'ConfigValidationError', 'defineConfig', 'importCustomModules', 'importPlugin', 'PluginImportError',
    // modules and layers, hooks, services
    'Module', 'Linear', 'Conv2d', 'LayerNorm', 'Dropout', 'GELU', 'Hook', 'Priority', 'HookPriorityProp', 'LOGGER', 'DIST', 'FILE_IO', 'inject', 'optional', 'BaseClassifier', 'DataPreprocessorProp', 'tf', 'Rng',
    // generic model parts (mmcls names) and the timm ViT layers
    'ImageClassifier', 'ClsHead', 'LinearClsHead', 'CrossEntropyLoss', 'GlobalAveragePooling', 'Mlp', 'Attention', 'Block',
    'stochasticDepthRates', 'remapTimmVit', 'withDefaults',
  ])('exports %s', (name) => {
    expect((api as Record<string, unknown>)[name]).toBeDefined();
  });

  it('exports no plugin component, and importing it registers none', () => {
    for (const name of ['IRSE', 'PoolingViT', 'PoolingVitClassifier', 'TransFER', 'MSADViT', 'BUILTIN_PLUGINS', 'loadBuiltinPlugins']) {
      expect((api as Record<string, unknown>)[name]).toBeUndefined();
    }
    for (const name of ['IRSE', 'PoolingViT', 'PoolingVitClassifier', 'TransFER']) expect(api.MODELS.has(name)).toBe(false);
    for (const name of ['ImageClassifier', 'LinearClsHead', 'CrossEntropyLoss', 'GlobalAveragePooling', 'ClsHead']) expect(api.MODELS.has(name)).toBe(true);
  });

  it('stays an SDK: the runner, data loading and checkpoint IO are subpath entries', () => {
    for (const name of ['trainModel', 'EpochBasedRunner', 'DataLoader', 'loadConfig', 'readCheckpoint', 'initBackend', 'launchWorkers']) {
      expect({ name, inRoot: name in api }).toEqual({ name, inRoot: false });
    }
    expect(Object.keys(api).length).toBeLessThan(200);
  });

  it('importing the root registers the built-in components', () => {
    expect(api.DATASETS.get('RAF')).toBeDefined();
    expect(api.HOOKS.get('EvalHook')).toBeDefined();
    expect(api.RUNNERS.get('EpochBasedRunner')).toBeDefined();
  });
});

describe('public API (subpath entries)', () => {
  const entries: Record<string, Record<string, unknown>> = { config, backend, checkpoint, data, di, runner };
  it.each([
    ['config', ['loadConfig', 'Config', 'readBase', 'mergeConfig', 'parseCfgOptions', 'applyCfgOptions', 'dumpConfig', 'extendRootSchema', 'getRootSchema']],
    ['di', ['createRootContainer', 'createRunnerContainer', 'inject', 'optional', 'distContextFromEnv']],
    ['backend', ['initBackend', 'parseBackendFlag']],
    // hardening: reader budgets, strict loading, decode bounds, error output, leftovers of killed runs
    ['checkpoint', ['DEFAULT_PICKLE_LIMITS', 'DEFAULT_SAFETENSORS_LIMITS', 'resolveCheckpointPath', 'removeStaleTempFiles']],
    ['data', ['DEFAULT_MAX_PIXELS', 'setMaxConcurrentDecodes', 'mapLimit']],
    ['runner', ['loadWeights', 'WeightsMismatchError', 'describeError', 'trainModel', 'findResumeCheckpoint']],
  ])('fer-mm/%s exports %p', (entry, names) => {
    for (const name of names as string[]) expect({ name, defined: entries[entry as string][name] !== undefined }).toEqual({ name, defined: true });
  });
});

describe('public API (package root)', () => {
  it('a plugin written against the root export registers and validates', () => {
    const { MODELS, Type } = api;
    const scope = MODELS.child('coretest-api');
    scope.registerModule(class ApiNeck {}, {
      name: 'ApiNeck',
      role: 'neck',
      schema: Type.Object({ channels: Type.Integer() }, { additionalProperties: false }),
    });
    expect(() => MODELS.build({ type: 'coretest-api.ApiNeck', chanels: 3 }, { path: 'model.neck' })).toThrow(
      /model\.neck\.chanels: unknown key 'chanels'; did you mean 'channels'\?/,
    );
  });
});
