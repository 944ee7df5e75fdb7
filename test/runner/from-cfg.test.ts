/**
 * Runner.fromCfg on the toy classifier plugin and a tiny generated RAF-layout
 * set: a registered custom runner takes its own config keys, `data.sampler`
 * is built from SAMPLERS, the eval hook comes from HOOKS, hooks and datasets
 * get the run's services through typed tokens, two runs keep separate
 * containers, and `model.data_preprocessor` equals the pipeline's Normalize.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { initBackend } from '../../src/backend/backend';
import { makeDemoData } from '../../src/data/demo-data';
import { DATASETS, HOOKS, MODELS, RUNNERS, SAMPLERS } from '../../src/registry/root';
import { ToyClassifier, ToyClassifierArgs } from '../harness/toy-plugin';
import { createRootContainer } from '../../src/di/container';
import type { BuildContext } from '../../src/registry/registry';
import { RAF, RAFArgs } from '../../src/data/datasets/raf';
import { DistributedSampler, SamplerDatasetProp, type Sampler } from '../../src/data/sampler';
import { Runner, type BuiltRunner } from '../../src/runner/api/from-cfg';
import { EpochBasedRunner } from '../../src/runner/epoch-based-runner';
import type { BaseRunner, BaseRunnerArgs } from '../../src/runner/base-runner';
import { RunnerCfgProps } from '../../src/runner/runner-args';
import { Hook } from '../../src/runner/hook';
import { EvalHook } from '../../src/hooks/eval';
import { Priority } from '../../src/runner/priority';
import { SingleProcessDist } from '../../src/runner/dist';
import { testModelScores } from '../../src/runner/inference';
import { DIST, FILE_IO, LOGGER, type FileIO } from '../../src/contracts/services';
import { inject } from 'inversify';
import type { Logger } from '../../src/contracts/logger';
import type { DistContext } from '../../src/contracts/dist';
import { tf } from '../../src/tf';
import { memoryLogger } from '../harness/toy';

const KeyedRunnerCfg = Type.Object({ ...RunnerCfgProps, greeting: Type.String(), repeats: Type.Integer({ minimum: 1, default: 2 }) }, { additionalProperties: false });
type KeyedRunnerCfg = Static<typeof KeyedRunnerCfg>;

@RUNNERS.register({ name: 'KeyedTestRunner', schema: KeyedRunnerCfg })
class KeyedTestRunner extends EpochBasedRunner {
  readonly greeting: string;
  readonly repeats: number;
  constructor(args: BaseRunnerArgs & KeyedRunnerCfg) {
    super(args);
    this.greeting = args.greeting;
    this.repeats = args.repeats;
  }
}

/** Reverse order, to see the configured sampler drive the training loader. */
@SAMPLERS.register({ name: 'ReverseTestSampler', schema: Type.Object({ dataset: SamplerDatasetProp }, { additionalProperties: false }) })
class ReverseTestSampler implements Sampler {
  readonly length: number;
  epoch = 0;
  constructor(args: { dataset?: unknown }) {
    this.length = (args.dataset as { length: number }).length;
  }
  setEpoch(e: number): void {
    this.epoch = e;
  }
  indices(): number[] {
    return Array.from({ length: this.length }, (_, i) => this.length - 1 - i);
  }
}

/** Declares the services it needs; the run's container injects them. */
@HOOKS.register({ name: 'ServiceProbeHook', schema: Type.Object({}, { additionalProperties: false }) })
class ServiceProbeHook extends Hook {
  readonly name = 'ServiceProbeHook';
  @inject(DIST) readonly dist!: DistContext;
  @inject(FILE_IO) readonly fileIO!: FileIO;
  get injectedLogger(): Logger {
    return this.logger; // Hook's own `@inject(LOGGER)` field
  }
}

/** A model that asks for the run's logger in its constructor (argument 2 after args and ctx). */
@MODELS.register({ name: 'ServiceProbeToy', schema: ToyClassifierArgs })
class ServiceProbeToy extends ToyClassifier {
  constructor(
    args: ToyClassifierArgs,
    _ctx: BuildContext,
    @inject(LOGGER) readonly runLogger?: Logger,
  ) {
    super(args);
  }
}

@HOOKS.register({ name: 'RecordingEvalHook', aliases: [], schema: undefined })
class RecordingEvalHook extends EvalHook {
  evaluations = 0;
  override async doEvaluate(runner: BaseRunner): Promise<void> {
    this.evaluations++;
    await super.doEvaluate(runner);
  }
}

/** A RAF that declares the services it needs as injected fields. */
@DATASETS.register({ name: 'ServiceProbeRAF', schema: RAFArgs })
class ServiceProbeRAF extends RAF {
  @inject(LOGGER) readonly injectedLogger!: Logger;
  @inject(DIST) readonly dist!: DistContext;
}

let dir: string;
let base: Record<string, unknown>;
const opened: BuiltRunner[] = [];

beforeAll(async () => {
  await initBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-fromcfg-'));
  const data = path.join(dir, 'data');
  await makeDemoData(data, { train: 14, test: 7, size: 16 });
  const pipe = (train: boolean, normalize = true) => [
    { type: 'LoadImageFromFile' },
    ...(normalize ? [{ type: 'Normalize', mean: [120, 110, 100], std: [60, 50, 40], to_rgb: true }] : []),
    { type: 'ImageToTensor', keys: ['img'] },
    ...(train ? [{ type: 'ToTensor', keys: ['gt_label'] }] : []),
    { type: 'Collect', keys: train ? ['img', 'gt_label'] : ['img'] },
  ];
  const split = (ann: string, train: boolean, normalize = true, type = 'RAF') => ({
    type,
    data_prefix: path.join(data, 'Image/aligned'),
    ann_file: path.join(data, 'EmoLabel', ann),
    pipeline: pipe(train, normalize),
  });
  base = {
    model: { type: 'ToyClassifier', num_classes: 7, pretrained: null },
    data: { samples_per_gpu: 7, workers_per_gpu: 0, train: split('train.txt', true), val: split('test.txt', false), test: split('test.txt', false) },
    evaluation: { interval: 1, metric: 'accuracy' },
    optimizer: { type: 'SGD', lr: 0.05, momentum: 0.9 },
    optimizer_config: { grad_clip: null },
    lr_config: { policy: 'fixed' },
    runner: { type: 'EpochBasedRunner', max_epochs: 1 },
    log_config: { interval: 1, hooks: [] },
    _split: split,
  };
});

afterEach(async () => {
  for (const b of opened.splice(0)) {
    await b.close();
    b.model.dispose?.();
  }
});

function cfgOf(over: Record<string, unknown> = {}): Record<string, unknown> {
  const { _split, ...rest } = base;
  void _split;
  return { ...structuredClone(rest), ...over };
}

async function build(cfg: Record<string, unknown>, extra: Partial<Parameters<typeof Runner.fromCfg>[1]> = {}): Promise<BuiltRunner> {
  const b = await Runner.fromCfg(cfg, { workDir: path.join(dir, 'wd'), seed: 0, logger: memoryLogger(), progress: false, ...extra });
  opened.push(b);
  return b;
}

describe('Runner.fromCfg: the runner', () => {
  it('a registered custom runner takes its own keys (checked by its schema, defaults filled)', async () => {
    const b = await build(cfgOf({ runner: { type: 'KeyedTestRunner', max_epochs: 1, greeting: 'hello' } }));
    expect(b.runner).toBeInstanceOf(KeyedTestRunner);
    const r = b.runner as KeyedTestRunner;
    expect([r.greeting, r.repeats, r.maxEpochs]).toEqual(['hello', 2, 1]);
    await expect(build(cfgOf({ runner: { type: 'KeyedTestRunner', max_epochs: 1 } }))).rejects.toThrow(/greeting/);
    // the stock runners reject keys they do not take, naming them
    await expect(build(cfgOf({ runner: { type: 'EpochBasedRunner', max_epochs: 1, greeting: 'x' } }))).rejects.toThrow(/runner.*greeting/s);
    await expect(build(cfgOf({ runner: { type: 'NoSuchRunner', max_epochs: 1 } }))).rejects.toThrow(/runner\.type/);
  });

  it('builds every hook from HOOKS, the eval hook too (LOW priority, after the timer), and a custom eval type', async () => {
    const b = await build(cfgOf({ checkpoint_config: { interval: 1 } }));
    const names = b.runner.hooks.map((h) => h.name);
    expect(names).toEqual(expect.arrayContaining(['LrUpdaterHook', 'OptimizerHook', 'IterTimerHook', 'EvalHook', 'CheckpointHook']));
    expect(b.evalHook).toBeInstanceOf(EvalHook);
    expect(b.evalHook!.priority).toBe(Priority.LOW);
    expect(names.indexOf('EvalHook')).toBeGreaterThan(names.indexOf('IterTimerHook'));
    // checkpoints after evaluation, so they carry the epoch's best score
    expect(names.indexOf('CheckpointHook')).toBeGreaterThan(names.indexOf('EvalHook'));

    const c = await build(cfgOf({ evaluation: { type: 'RecordingEvalHook', interval: 1, metric: 'accuracy' } }));
    expect(c.evalHook).toBeInstanceOf(RecordingEvalHook);
    await c.train();
    expect((c.evalHook as RecordingEvalHook).evaluations).toBe(1);
    expect(Object.keys(c.evalHook!.lastResults)).toContain('accuracy_top-1');
  });
});

describe('Runner.fromCfg: data.sampler', () => {
  it('builds the training sampler from SAMPLERS (custom or DistributedSampler with its own shuffle)', async () => {
    const b = await build(cfgOf({ data: { ...cfgOf().data as object, sampler: { type: 'ReverseTestSampler' } } }), { validate: false });
    const train = b.loaders[0];
    expect(train.sampler).toBeInstanceOf(ReverseTestSampler);
    const seen: number[][] = [];
    for await (const batch of train) seen.push(batch.indices);
    expect(seen).toEqual([[13, 12, 11, 10, 9, 8, 7], [6, 5, 4, 3, 2, 1, 0]]);

    const d = await build(cfgOf({ data: { ...cfgOf().data as object, sampler: { type: 'DistributedSampler', shuffle: false } } }), { validate: false });
    expect(d.loaders[0].sampler).toBeInstanceOf(DistributedSampler);
    expect((d.loaders[0].sampler as DistributedSampler).indices()).toEqual(Array.from({ length: 14 }, (_, i) => i));
  });

  it('an unknown sampler type is an error naming data.sampler.type', async () => {
    await expect(build(cfgOf({ data: { ...cfgOf().data as object, sampler: { type: 'NoSuchSampler' } } }))).rejects.toThrow(/data\.sampler\.type/);
  });
});

describe('Runner.fromCfg: services through the run container', () => {
  it('hooks and datasets get the run logger and dist context by typed token', async () => {
    const logger = memoryLogger();
    const dist = new SingleProcessDist();
    const split = base._split as (ann: string, train: boolean, normalize?: boolean, type?: string) => object;
    const cfg = cfgOf({
      model: { type: 'ServiceProbeToy', num_classes: 7, pretrained: null },
      data: { ...cfgOf().data as object, train: split('train.txt', true, true, 'ServiceProbeRAF') },
      custom_hooks: [{ type: 'ServiceProbeHook' }],
    });
    const b = await build(cfg, { logger, dist, validate: false });
    // a registry-built dataset, model and hook each got the run's services by injection
    const ds = b.loaders[0].dataset as unknown as ServiceProbeRAF;
    expect(ds).toBeInstanceOf(ServiceProbeRAF);
    expect(ds.injectedLogger).toBe(logger);
    expect(ds.dist).toBe(dist);
    expect(b.model).toBeInstanceOf(ServiceProbeToy);
    expect((b.model as ServiceProbeToy).runLogger).toBe(logger);
    const probe = b.runner.getHook<ServiceProbeHook>('ServiceProbeHook')!;
    expect(probe.injectedLogger).toBe(logger);
    expect(probe.dist).toBe(dist);
    expect(probe.fileIO).toBe(b.container.get(FILE_IO));
    await b.train();
    expect(b.runner.logger).toBe(logger);
  });

  it('a swapped service reaches the components unchanged: an in-memory file IO takes the checkpoints', async () => {
    const files = new Map<string, Uint8Array>();
    const bytes = (d: Uint8Array | string | Iterable<Uint8Array>): Uint8Array =>
      typeof d === 'string' ? new TextEncoder().encode(d) : d instanceof Uint8Array ? d : Uint8Array.from([...d].flatMap((c) => [...c]));
    const memory: FileIO = { readFile: (f) => files.get(f)!, exists: (f) => files.has(f), writeFileAtomic: (f, d) => void files.set(f, bytes(d)) };
    const workDir = path.join(dir, 'wd-memory');
    const b = await build(cfgOf({ checkpoint_config: { interval: 1 }, custom_hooks: [{ type: 'ServiceProbeHook' }] }), {
      container: createRootContainer({ fileIO: memory, logger: memoryLogger() }),
      validate: false,
      workDir,
    });
    await b.train();
    expect(b.runner.getHook<ServiceProbeHook>('ServiceProbeHook')!.fileIO).toBe(memory);
    expect([...files.keys()].map((f) => path.relative(workDir, f)).sort()).toEqual(['epoch_1.safetensors', 'latest']);
    expect(new TextDecoder().decode(files.get(path.join(workDir, 'latest')))).toBe('epoch_1.safetensors\n');
    expect(files.get(path.join(workDir, 'epoch_1.safetensors'))!.byteLength).toBeGreaterThan(1000);
    expect(fs.existsSync(path.join(workDir, 'epoch_1.safetensors'))).toBe(false);
  });

  it('two runs in one process keep separate containers', async () => {
    const la = memoryLogger();
    const lb = memoryLogger();
    const cfgA = cfgOf();
    const cfgB = cfgOf();
    const a = await build(cfgA, { logger: la, validate: false });
    const b = await build(cfgB, { logger: lb, validate: false });
    expect(a.runner.container).not.toBe(b.runner.container);
    expect([a.container.get(LOGGER), b.container.get(LOGGER)]).toEqual([la, lb]);
    expect(a.runner.container).toBe(a.container);
  });
});

describe('model.data_preprocessor', () => {
  it('ClsDataPreprocessor (to_rgb, mean/std on the device) gives the numbers of the pipeline Normalize', async () => {
    const split = base._split as (ann: string, train: boolean, normalize?: boolean) => object;
    const withNormalize = await build(cfgOf(), { validate: false });
    const cfgPre = cfgOf({
      model: { type: 'ToyClassifier', num_classes: 7, pretrained: null, data_preprocessor: { type: 'ClsDataPreprocessor', mean: [120, 110, 100], std: [60, 50, 40], to_rgb: true } },
      data: { ...cfgOf().data as object, train: split('train.txt', true, false) },
    });
    const withPre = await build(cfgPre, { validate: false });
    expect((withPre.model as ToyClassifier).dataPreprocessor).toBeTruthy();
    const dist = new SingleProcessDist();
    const before = tf.memory().numTensors;
    const a = await testModelScores(withNormalize.model, withNormalize.loaders[0], dist);
    const b = await testModelScores(withPre.model, withPre.loaders[0], dist);
    expect(tf.memory().numTensors).toBe(before);
    expect(a.length).toBe(14);
    for (let i = 0; i < a.length; i++) for (let k = 0; k < a[i].length; k++) expect(b[i][k]).toBeCloseTo(a[i][k], 5);
  });

  it('a bad data_preprocessor node names its config key', async () => {
    const cfg = cfgOf({ model: { type: 'ToyClassifier', num_classes: 7, data_preprocessor: { type: 'ClsDataPreprocessor', mean: [1, 2, 3] } } });
    await expect(build(cfg)).rejects.toThrow(/give both mean and std/);
    const cfg2 = cfgOf({ model: { type: 'ToyClassifier', num_classes: 7, data_preprocessor: { type: 'ClsDataPreprocessor', meen: [1] } } });
    await expect(build(cfg2)).rejects.toThrow(/model\.data_preprocessor/);
  });
});
