/**
 * The example plugin end to end, through the framework's real entry points:
 * the config loader imports it from `custom_imports`, its components land in
 * the `example` scope tagged with the plugin, typos fail with messages that
 * say what to fix, and the runner trains the inherited APViT demo with the
 * plugin's head, neck and hook for a few iterations on generated demo data.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { ConfigValidationError, HOOKS, MODELS, PluginImportError, tf } from 'fer-mm';
import { initBackend } from 'fer-mm/backend';
import { loadConfig } from 'fer-mm/config';
import { makeDemoData } from 'fer-mm/data';
import { Logger, trainModel } from 'fer-mm/runner';
import { createRootContainer } from 'fer-mm/di';
// Types only: importing the plugin's code here would register it before the config
// loader does, and the registrations would not be tagged with the plugin.
import type { GradNormHook, MLPClsHead, MemoryMetricsSink, ResidualMLPNeck } from '../index';

// the plugin's token (a Symbol.for key); the plugin itself is loaded by the configs' custom_imports
const METRICS_SINK = Symbol.for('example.MetricsSink');

const EXAMPLE = path.resolve(__dirname, '..');
const CONFIG = path.join(EXAMPLE, 'configs', 'example_demo.ts');
const PLUGIN_ENTRY = path.join(EXAMPLE, 'index.ts');

let tmp: string;

function writeJsonConfig(name: string, cfg: object): string {
  const file = path.join(tmp, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, JSON.stringify(cfg, null, 2));
  return file;
}

/** A class registered by the plugin (looked up, not imported: see the type-only import above). */
function cls<T>(reg: typeof MODELS, name: string): new (...a: never[]) => T {
  const e = reg.get(name);
  if (!e) throw new Error(`${name} is not registered`);
  return e.cls as unknown as new (...a: never[]) => T;
}

function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (e) {
    return e as Error;
  }
  throw new Error('expected an error, got none');
}

beforeAll(async () => {
  await initBackend('cpu');
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-plugin-example-'));
});

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('loading the example plugin through custom_imports', () => {
  it('registers the neck, head and hook in the example scope, tagged with the plugin', () => {
    const config = loadConfig(CONFIG, { validate: true });
    // the base config's model comes from the APViT package, named again in this config's list
    expect(config.plugins.map((p) => p.file)).toEqual([path.resolve(EXAMPLE, '..', '..', 'plugins', 'apvit', 'index.ts'), PLUGIN_ENTRY]);
    expect(config.plugins[0].name).toBe('@fer-mm/apvit');
    const plugin = config.plugins[1].name;

    for (const [reg, name, role] of [
      [MODELS, 'example.ResidualMLPNeck', 'neck'],
      [MODELS, 'example.MLPClsHead', 'head'],
      [HOOKS, 'example.GradNormHook', undefined],
    ] as const) {
      const e = reg.get(name);
      expect(e).toBeDefined();
      expect(e!.registry.scope).toBe('example');
      expect(e!.plugin).toBe(plugin);
      expect(e!.role).toBe(role);
    }
    expect(MODELS.get('example.MLPClsHead')!.cls.name).toBe('MLPClsHead');
    // Own scope: nothing lands in the core scope; the bare names still find the scoped entries (no other scope has them).
    expect(MODELS.list().some((e) => e.name === 'MLPClsHead')).toBe(false);
    expect(HOOKS.list().some((e) => e.name === 'GradNormHook')).toBe(false);
    expect(MODELS.get('MLPClsHead')).toBe(MODELS.get('example.MLPClsHead'));
    expect(HOOKS.get('GradNormHook')).toBe(HOOKS.get('example.GradNormHook'));

    // The inherited model is APViT with our head swapped in (the base head's keys deleted).
    expect(config.get('model.type')).toBe('PoolingVitClassifier');
    expect(config.get('model.head.type')).toBe('example.MLPClsHead');
    expect(config.get('model.head.topk')).toBeUndefined();
    expect(config.get('model.head.neck.type')).toBe('example.ResidualMLPNeck');
    expect(config.get('custom_hooks.0.type')).toBe('example.GradNormHook');
  });

  it('a misspelled plugin path fails naming every path tried and what to fix', () => {
    const bad = writeJsonConfig('configs/bad-plugin.json', {
      _base_: CONFIG,
      custom_imports: { imports: ['../plugin-exmaple/index.ts'] },
    });
    const err = errorOf(() => loadConfig(bad));
    expect(err).toBeInstanceOf(PluginImportError);
    const tried = (err as PluginImportError).tried;
    expect(tried).toContain(path.join(tmp, 'plugin-exmaple', 'index.ts'));
    expect(tried.length).toBeGreaterThan(3);
    for (const t of tried) expect(err.message).toContain(t);
    expect(err.message).toContain(`cannot find plugin '${path.join(tmp, 'plugin-exmaple', 'index.ts')}'`);
    expect(err.message).toContain(bad);
    expect(err.message).toMatch(/relative to the config file's folder/);
  });

  it('a misspelled package name lists the node_modules folders searched', () => {
    const bad = writeJsonConfig('configs/bad-package.json', { _base_: CONFIG, custom_imports: { imports: ['fer-mm-plugin-exmaple'] } });
    const err = errorOf(() => loadConfig(bad)) as PluginImportError;
    expect(err).toBeInstanceOf(PluginImportError);
    expect(err.tried).toContain(path.join(tmp, 'configs', 'node_modules', 'fer-mm-plugin-exmaple'));
    expect(err.message).toMatch(/npm install fer-mm-plugin-exmaple/);
  });

  it('a misspelled component name fails with its config path and a suggestion', () => {
    const config = loadConfig(CONFIG, { cfgOptions: ['model.head.neck.type=example.ResidualMLPNek'] });
    const err = errorOf(() => config.validate());
    expect(err).toBeInstanceOf(ConfigValidationError);
    expect(err.message).toContain(CONFIG);
    expect(err.message).toContain("model.head.neck.type: 'example.ResidualMLPNek' is not registered in the models registry");
    expect(err.message).toContain("did you mean: 'example.ResidualMLPNeck'");
    // a misspelled argument gets the path and a suggestion too
    const config2 = loadConfig(CONFIG, { cfgOptions: ['model.head.hiden_channels=8'] });
    const err2 = errorOf(() => config2.validate());
    expect(err2.message).toContain('model.head');
    expect(err2.message).toContain('hiden_channels');
    expect(err2.message).toContain('hidden_channels');
  });
});

describe('the components on their own', () => {
  it('ResidualMLPNeck starts as the identity; MLPClsHead applies it and reports loss, accuracy and softmax scores', () => {
    loadConfig(CONFIG); // imports the plugin
    const neck = MODELS.build<ResidualMLPNeck>({ type: 'example.ResidualMLPNeck', in_channels: 6 }, { path: 'neck' });
    const head = MODELS.build<MLPClsHead>(
      { type: 'example.MLPClsHead', num_classes: 3, in_channels: 6, hidden_channels: 5, neck: { type: 'ResidualMLPNeck', in_channels: 6 } },
      { path: 'model.head' },
    );
    try {
      // bare 'ResidualMLPNeck' inside an example.* node resolves in the owner's scope
      expect(head.neck).toBeInstanceOf(cls<ResidualMLPNeck>(MODELS, 'example.ResidualMLPNeck'));
      expect([...head.stateDict().keys()]).toEqual([
        'neck.norm.weight', 'neck.norm.bias', 'neck.fc1.weight', 'neck.fc1.bias', 'neck.fc2.weight', 'neck.fc2.bias',
        'fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias',
      ]);
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        const x = tf.randomNormal([4, 6]);
        expect(tf.max(tf.abs(tf.sub(neck.forward(x), x))).dataSync()[0]).toBe(0);
        const out = head.forwardTrain(x, tf.tensor1d([0, 1, 2, 1], 'int32'));
        expect(Object.keys(out).sort()).toEqual(['accuracy.top-1', 'ce_loss']);
        expect(out.ce_loss.dataSync()[0]).toBeGreaterThan(0);
        const scores = head.simpleTest(x).arraySync();
        for (const row of scores) expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      });
      expect(tf.memory().numTensors).toBe(before);
      // wrong feature width: a message naming the neck and the shapes
      expect(() => tf.tidy(() => neck.forward(tf.zeros([2, 5])))).toThrow(/ResidualMLPNeck: expected 6 features on the last axis, got \[2,5\]/);
    } finally {
      neck.dispose();
      head.dispose();
    }
  });
});

describe('GradNormHook', () => {
  it('warns once, naming the fix, when it runs after the optimizer freed the gradients', () => {
    loadConfig(CONFIG); // imports the plugin
    // the run's container hands the hook its logger; a rebound METRICS_SINK replaces the plugin's default
    const warnings: string[] = [];
    const logger = new Logger({ console: false });
    logger.warn = (m: string) => void warnings.push(m);
    const sink = { write: jest.fn() };
    const container = createRootContainer({ logger, env: {} });
    container.rebindSync(METRICS_SINK).toConstantValue(sink);
    const hook = HOOKS.build<GradNormHook>({ type: 'example.GradNormHook' }, { path: 'custom_hooks.0', container });
    expect(hook.sink).toBe(sink);
    hook.priority = 50; // what a custom_hooks entry without `priority` gets
    const runner = { iter: 0 };
    const outputs = { logVars: {}, numSamples: 2 }; // no grads: the optimizer hook took them
    hook.afterTrainIter(runner as never, 0, {} as never, outputs);
    hook.afterTrainIter(runner as never, 1, {} as never, outputs);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain("set priority: 'HIGH'");
    expect(hook.records).toEqual([]);
    expect(sink.write).not.toHaveBeenCalled();
  });
});

describe('training with the plugin through the runner', () => {
  it('trains the inherited APViT demo with the example head, neck and hook', async () => {
    const data = path.join(tmp, 'demo');
    await makeDemoData(data, { train: 14, test: 7, size: 32 });

    // Shrink the inherited demo to a tiny model on 32x32 images (4x4 = 16 tokens after 3 stages).
    const raw = loadConfig(CONFIG, { importCustomModules: false });
    const pipelineOpts = (split: 'train' | 'val') =>
      ((raw.get(`data.${split}.pipeline`) as Array<{ type: string }>) ?? []).flatMap((t, i) =>
        t.type === 'RandomResizedCrop' || t.type === 'Resize' || t.type === 'CenterCrop'
          ? [`data.${split}.pipeline.${i}.${t.type === 'CenterCrop' ? 'crop_size' : 'size'}=32`]
          : [],
      );
    const prefix = path.join(data, 'Image', 'aligned');
    const cfgOptions = [
      'model.extractor.units=[1,1,1]',
      'model.extractor.widths=[4,8,8]',
      'model.extractor.return_index=[2]',
      'model.extractor.pretrained=null',
      'model.vit.pretrained=null',
      'model.vit.embed_dim=16',
      'model.vit.depth=2',
      'model.vit.num_heads=2',
      'model.vit.mlp_ratio=2',
      'model.vit.patch_num=16',
      'model.vit.in_channels=[8]',
      'model.vit.cnn_pool_config.keep_num=12',
      'model.vit.vit_pool_configs.keep_rates=[1,0.75]',
      'model.head.in_channels=16',
      'model.head.hidden_channels=8',
      'model.head.neck.in_channels=16',
      `data.train.data_prefix=${prefix}`,
      `data.train.ann_file=${path.join(data, 'EmoLabel', 'train.txt')}`,
      `data.val.data_prefix=${prefix}`,
      `data.val.ann_file=${path.join(data, 'EmoLabel', 'test.txt')}`,
      `data.test.data_prefix=${prefix}`,
      `data.test.ann_file=${path.join(data, 'EmoLabel', 'test.txt')}`,
      'data.samples_per_gpu=5',
      'data.workers_per_gpu=0',
      'runner.max_epochs=1',
      'custom_hooks.0.interval=1',
      'log_config.interval=1',
      'log_config.hooks=[{type: TextLoggerHook}]',
      'checkpoint_config.interval=1',
      ...pipelineOpts('train'),
      ...pipelineOpts('val'),
    ];
    const config = loadConfig(CONFIG, { cfgOptions });
    config.validate();

    const tensorsBefore = tf.memory().numTensors;
    const logger = new Logger({ console: false }); // the run log still goes to <work_dir>/<ts>.log
    const result = await trainModel(config, { workDir: path.join(tmp, 'work'), seed: 0, progress: false, logger });
    try {
      // 14 training images in batches of 5: 3 iterations in the one epoch.
      expect(result.runner.epoch).toBe(1);
      expect(result.runner.iter).toBe(3);

      const model = result.model as unknown as { head: MLPClsHead };
      expect(model.head).toBeInstanceOf(cls<MLPClsHead>(MODELS, 'example.MLPClsHead'));
      expect(model.head.neck).toBeInstanceOf(cls<ResidualMLPNeck>(MODELS, 'example.ResidualMLPNeck'));
      const keys = [...result.model.stateDict().keys()];
      expect(keys).toEqual(expect.arrayContaining(['head.neck.fc1.weight', 'head.neck.fc2.weight', 'head.fc1.weight', 'head.fc2.bias']));
      // The neck's zero-initialised output layer was trained.
      const fc2 = (model.head.neck as ResidualMLPNeck).fc2.weight;
      expect(tf.tidy(() => tf.max(tf.abs(fc2)).dataSync()[0])).toBeGreaterThan(0);

      const hook = result.runner.getHook<GradNormHook>('GradNormHook');
      expect(hook).toBeInstanceOf(cls<GradNormHook>(HOOKS, 'example.GradNormHook'));
      expect(hook!.records.map((r) => r.iter)).toEqual([1, 2, 3]);
      // ... and went to the plugin's own service, the run's MetricsSink
      const sink = result.runner.container.get<MemoryMetricsSink>(METRICS_SINK);
      expect(hook!.sink).toBe(sink);
      expect(sink.records.map((r) => r.iter)).toEqual([1, 2, 3]);
      expect(sink.records[0].values['grad_norm/total']).toBeCloseTo(hook!.records[0].total, 5);
      const nParams = result.model.namedParameters().filter(([, v]) => v.trainable).length;
      for (const r of hook!.records) {
        expect(Number.isFinite(r.total) && r.total > 0).toBe(true);
        expect(Object.keys(r.groups).sort()).toEqual(['extractor', 'head', 'vit']);
        expect(r.groups.head).toBeGreaterThan(0);
        // every trainable parameter got a gradient and lands in exactly one bin
        expect(r.histogram.reduce((a, b) => a + b, 0)).toBe(nParams);
      }
      // The hook's values reached the run log.
      const log = fs.readFileSync(path.join(result.workDir, `${result.timestamp}.log`), 'utf8');
      expect(log).toMatch(/iter 3 grad-norm histogram: <=0.000001: \d+ \| .* \| >100: \d+/);
      expect(log).toContain('grad_norm/head');
      // Cross-check: the hook's total equals the norm the OptimizerHook's grad_clip measured
      // on the same gradients (logged as grad_norm by the framework).
      const records = fs
        .readFileSync(path.join(result.workDir, `${result.timestamp}.log.json`), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .filter((r) => r.mode === 'train');
      expect(records).toHaveLength(3);
      for (const r of records) expect(r['grad_norm/total'] as number).toBeCloseTo(r.grad_norm as number, 3);
      // Validation ran on the test split with the plugin's head.
      expect(result.lastEval['accuracy_top-1']).toEqual(expect.any(Number));
    } finally {
      result.model.dispose?.();
      (result.runner.optimizer as { dispose?: () => void } | undefined)?.dispose?.();
    }
    // Nothing leaked: once the model and optimizer are disposed, every tensor made by the run is gone.
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
