/**
 * The package root is the surface plugin authors use: everything the plugin
 * docs mention must be importable from it.
 */
import * as api from '../../src';

describe('public API (package root)', () => {
  it.each([
    // registries and decorators
    'Registry', 'MODELS', 'DATASETS', 'TRANSFORMS', 'SAMPLERS', 'HOOKS', 'OPTIMIZERS', 'LR_SCHEDULES', 'METRICS', 'RUNNERS',
    'Component', 'declareRootRegistry', 'RegistryError', 'withPluginSource', 'Type',
    // validation and configs
    'validateConfig', 'ConfigValidationError', 'loadConfig', 'Config', 'readBase', 'defineConfig', 'mergeConfig',
    'parseCfgOptions', 'applyCfgOptions', 'dumpConfig', 'extendRootSchema', 'getRootSchema',
    // plugins, DI, backends
    'importCustomModules', 'importPlugin', 'TOKENS', 'createRootContainer', 'createRunnerContainer',
    'ConsoleLogger', 'LocalFileIO', 'distContextFromEnv', 'initBackend', 'parseBackendFlag', 'tf',
    // hardening: reader budgets, strict loading, decode bounds, error output, leftovers of killed runs
    'DEFAULT_PICKLE_LIMITS', 'DEFAULT_SAFETENSORS_LIMITS', 'resolveCheckpointPath', 'loadWeights', 'WeightsMismatchError',
    'DEFAULT_MAX_PIXELS', 'setMaxConcurrentDecodes', 'mapLimit', 'describeError', 'removeStaleTempFiles', 'findResumeCheckpoint',
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
