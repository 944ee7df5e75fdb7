import path from 'path';
import { Type } from '@sinclair/typebox';
import { loadConfig, type Config } from '../../src/config/config';
import { extendRootSchema, getRootSchema, rootKeys } from '../../src/config/root-schema';
import { ConfigValidationError, collectConfigProblems, validateConfig, type ConfigProblem } from '../../src/registry/validate';
import { MODELS } from '../../src/registry/root';

const FIX = path.join(__dirname, 'fixtures', 'configs');
const load = (name: string, cfgOptions: string[] = []): Config => loadConfig(path.join(FIX, name), { cfgOptions });
const byPath = (ps: ConfigProblem[]) => Object.fromEntries(ps.map((p) => [p.path, p.message]));

describe('whole-config validation', () => {
  it('accepts the resolved three-level config (plugins from custom_imports are loaded)', () => {
    const cfg = load('level3.ts');
    expect(cfg.problems()).toEqual([]);
    expect(() => cfg.validate()).not.toThrow();
  });

  it('a typo in a scoped type names the config path, the scope searched and the closest name', () => {
    const problems = load('typo-type.ts').problems();
    expect(problems).toHaveLength(1);
    expect(problems[0].path).toBe('model.backbone.type');
    expect(problems[0].message).toContain("model.backbone.type: 'coretest.TinyNte' is not registered in the models registry");
    expect(problems[0].message).toContain("did you mean: 'coretest.TinyNet'?");
    expect(problems[0].message).toMatch(/plugins loaded: .*core-test-plugin\.ts/);
  });

  it('a bare type resolves from the owner scope, and a typo lists that scope chain', () => {
    expect(load('level1.ts', ['model.backbone.type=TinyNet']).problems()).toEqual([]);
    const [p] = load('level1.ts', ['model.backbone.type=TinyNte']).problems();
    expect(p.message).toContain('scopes searched: coretest -> core');
    expect(p.message).toContain("did you mean: 'TinyNet'?");
  });

  it('a typo in an argument name gives the path and a did-you-mean', () => {
    const problems = load('typo-arg.ts').problems();
    expect(problems).toEqual([
      { path: 'model.backbone.dpeth', message: "unknown key 'dpeth'; did you mean 'depth'?", expected: 'depth', got: 'dpeth' },
    ]);
  });

  it('reports every problem together, with expected vs got', () => {
    const cfg = load('many-errors.ts');
    const m = byPath(cfg.problems());
    expect(Object.keys(m).sort()).toEqual(
      ['data.val.type', 'model.backbone.actt', 'model.backbone.depth', 'model.head.num_classes', 'optimizr', 'runner.max_epochs'].sort(),
    );
    expect(m.optimizr).toBe("unknown key 'optimizr'; did you mean 'optimizer'?");
    expect(m['model.backbone.depth']).toBe('expected integer, got string "deep"');
    expect(m['model.backbone.actt']).toBe("unknown key 'actt'; did you mean 'act'?");
    expect(m['model.head.num_classes']).toBe('expected >= 1, got number 0');
    expect(m['runner.max_epochs']).toBe('expected integer, got number 1.5');
    expect(m['data.val.type']).toMatch(/'coretest\.TinyDatset' is not registered in the datasets registry[\s\S]*did you mean: 'coretest\.TinyDataset'/);
    let err: ConfigValidationError | undefined;
    try {
      cfg.validate();
    } catch (e) {
      err = e as ConfigValidationError;
    }
    expect(err).toBeInstanceOf(ConfigValidationError);
    expect(err!.problems).toHaveLength(6);
    expect(err!.message.split('\n')[0]).toBe(`invalid config ${path.join(FIX, 'many-errors.ts')} (6 problems):`);
    expect(err!.message).toContain("  - model.backbone.depth: expected integer, got string \"deep\"");
  });

  it('checks roles, missing keys, union values and paramwise_cfg', () => {
    const m = byPath(
      load('level1.ts', [
        'model.backbone={_delete_: true, type: coretest.TinyHead, num_classes: 2}',
        'model.backbone.act=silu',
        'data.workers_per_gpu=null',
        'optimizer.paramwise_cfg.norm_decay_mul=0',
        'optimizer.lr=0',
        'log_level=VERBOSE',
      ]).problems(),
    );
    expect(m['model.backbone.type']).toBe("expected a backbone, got 'coretest.TinyHead' which is a head");
    expect(m['model.backbone.act']).toBe("unknown key 'act'; allowed keys: num_classes, in_channels, loss");
    expect(m['data.workers_per_gpu']).toBe('expected integer, got null');
    expect(m['optimizer.paramwise_cfg.norm_decay_mul']).toBe("unknown key 'norm_decay_mul'; did you mean 'norm_decay_mult'?");
    expect(m['optimizer.lr']).toBe('expected > 0, got number 0');
    expect(m.log_level).toMatch(/^expected "DEBUG" \| "INFO" \| "WARNING" \| "WARN" \| "ERROR", got string "VERBOSE"$/);
    const missing = byPath(load('level1.ts', ['data={_delete_: true, workers_per_gpu: 1}']).problems());
    expect(missing['data.samples_per_gpu']).toBe('missing required key (expected integer)');
  });

  it('does not modify the config it checks', () => {
    const cfg = load('level3.ts');
    const before = JSON.stringify(cfg.cfg);
    validateConfig(cfg.cfg, getRootSchema());
    expect(JSON.stringify(cfg.cfg)).toBe(before);
  });

  it('building after validation fills schema defaults and builds nested nodes', () => {
    const cfg = load('level1.ts');
    const model = MODELS.build<{ args: { backbone: { args: unknown }; head: { args: { in_channels: number; loss: { args: unknown } } } } }>(
      cfg.cfg.model as never,
      { path: 'model' },
    );
    expect(model.args.backbone.args).toEqual({ depth: 4, width: 1.5, stages: [1, 2, 3] });
    expect(model.args.head.args.in_channels).toBe(16);
    expect(model.args.head.args.loss.args).toEqual({ loss_weight: 1 });
    const h = MODELS.build<{ args: { in_channels: number } }>({ type: 'coretest.TinyHead', num_classes: 2 });
    expect(h.args.in_channels).toBe(8);
  });

  it('extendRootSchema tightens a top-level key; reserved keys are refused', () => {
    expect(rootKeys()).toEqual(expect.arrayContaining(['model', 'data', 'optimizer', 'custom_hooks', 'mp_start_method', 'opencv_num_threads']));
    const cfg = load('level1.ts');
    expect(collectConfigProblems(cfg.cfg, getRootSchema())).toEqual([]);
    extendRootSchema(
      'lr_config',
      Type.Object({ policy: Type.Literal('CosineAnnealing'), min_lr: Type.Optional(Type.Number()) }, { additionalProperties: false }),
    );
    const m = byPath(collectConfigProblems(cfg.cfg, getRootSchema()));
    expect(m['lr_config.policy']).toBe('expected "CosineAnnealing", got string "step"');
    expect(m['lr_config.step']).toBe("unknown key 'step'; allowed keys: policy, min_lr");
    expect(() => extendRootSchema('_base_', Type.String())).toThrow(/reserved/);
  });
});
