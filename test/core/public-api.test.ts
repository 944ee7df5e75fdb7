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
    'importCustomModules', 'importPlugin', 'loadBuiltinPlugins', 'TOKENS', 'createRootContainer', 'createRunnerContainer',
    'ConsoleLogger', 'LocalFileIO', 'distContextFromEnv', 'initBackend', 'parseBackendFlag', 'tf',
    // hardening: reader budgets, strict loading, decode bounds, error output, leftovers of killed runs
    'DEFAULT_PICKLE_LIMITS', 'DEFAULT_SAFETENSORS_LIMITS', 'resolveCheckpointPath', 'loadWeights', 'WeightsMismatchError',
    'DEFAULT_MAX_PIXELS', 'setMaxConcurrentDecodes', 'mapLimit', 'describeError', 'removeStaleTempFiles', 'findResumeCheckpoint',
  ])('exports %s', (name) => {
    expect((api as Record<string, unknown>)[name]).toBeDefined();
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
