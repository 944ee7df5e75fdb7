/**
 * The train/test APIs in-process on the toy classifier plugin and a tiny
 * generated RAF-layout set: work-dir precedence, load_from vs resume, --resume
 * without a checkpoint, the train+val workflow, pretrained files skipped by test.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import '../harness/toy-plugin';
import { initBackend } from '../../src/backend/backend';
import { makeDemoData } from '../../src/data/demo-data';
import { trainModel, type LoadedConfig } from '../../src/runner/api/train';
import { testModel } from '../../src/runner/api/test';
import { resolveWorkDir, configBasename } from '../../src/runner/api/work-dir';
import { withoutPretrained, loaderSettings, datasetNode } from '../../src/runner/api/build';
import { parseKeyValues } from '../../src/runner/api/cli';
import { memoryLogger } from '../harness/toy';

let dir: string;
let base: Record<string, unknown>;

beforeAll(async () => {
  await initBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-api-'));
  const data = path.join(dir, 'data');
  await makeDemoData(data, { train: 14, test: 7, size: 16 });
  const pipe = (train: boolean) => [
    { type: 'LoadImageFromFile' },
    { type: 'Normalize', mean: [128, 128, 128], std: [64, 64, 64], to_rgb: true },
    { type: 'ImageToTensor', keys: ['img'] },
    ...(train ? [{ type: 'ToTensor', keys: ['gt_label'] }] : []),
    { type: 'Collect', keys: train ? ['img', 'gt_label'] : ['img'] },
  ];
  const split = (ann: string, train: boolean) => ({ type: 'RAF', data_prefix: path.join(data, 'Image/aligned'), ann_file: path.join(data, 'EmoLabel', ann), pipeline: pipe(train) });
  base = {
    model: { type: 'ToyClassifier', num_classes: 7, pretrained: null },
    data: { samples_per_gpu: 7, workers_per_gpu: 0, train: split('train.txt', true), val: split('test.txt', false), test: split('test.txt', false) },
    evaluation: { interval: 1, metric: 'accuracy' },
    optimizer: { type: 'SGD', lr: 0.05, momentum: 0.9 },
    optimizer_config: { grad_clip: null },
    lr_config: { policy: 'fixed' },
    runner: { type: 'EpochBasedRunner', max_epochs: 2 },
    checkpoint_config: { interval: 1 },
    log_config: { interval: 1, hooks: [{ type: 'TextLoggerHook' }] },
  };
});

const cfgOf = (over: Record<string, unknown> = {}, name = 'toy_cfg.ts'): LoadedConfig => ({ cfg: { ...structuredClone(base), ...over }, filename: path.join(dir, name) });

describe('work dir and config helpers', () => {
  it('uses --work-dir, then the config work_dir, then work_dirs/<basename>', () => {
    expect(resolveWorkDir('a/b', 'c', 'configs/x/RAF.ts')).toBe(path.resolve('a/b'));
    expect(resolveWorkDir(undefined, 'c', 'configs/x/RAF.ts')).toBe(path.resolve('c'));
    expect(resolveWorkDir(undefined, undefined, 'configs/x/RAF.ts')).toBe(path.resolve('work_dirs/RAF'));
    expect(configBasename('configs/apvit/demo.ts')).toBe('demo');
  });

  it('nulls every pretrained file and Pretrained init_cfg', () => {
    const m = { type: 'C', extractor: { pretrained: 'a.pth', x: 1 }, vit: { pretrained: 'b.pth', init_cfg: { type: 'Pretrained', checkpoint: 'c' } }, list: [{ pretrained: 'd' }] };
    expect(withoutPretrained(m)).toEqual({ type: 'C', extractor: { pretrained: null, x: 1 }, vit: { pretrained: null, init_cfg: null }, list: [{ pretrained: null }] });
    expect(m.extractor.pretrained).toBe('a.pth');
  });

  it('loader settings: per-split overrides, val/test in test_mode, no shuffle', () => {
    const data = { samples_per_gpu: 8, workers_per_gpu: 2, val_dataloader: { samples_per_gpu: 16 }, val: { type: 'RAF' }, train: { type: 'ClassBalancedDataset', dataset: {} } };
    expect(loaderSettings(data, 'train')).toEqual({ samples_per_gpu: 8, workers_per_gpu: 2, shuffle: true, drop_last: false });
    expect(loaderSettings(data, 'val')).toEqual({ samples_per_gpu: 16, workers_per_gpu: 2, shuffle: false, drop_last: false });
    expect(datasetNode(data, 'val').test_mode).toBe(true);
    expect(datasetNode(data, 'train').test_mode).toBeUndefined();
    expect(() => datasetNode(data, 'test')).toThrow(/data\.test must be a dataset node/);
    expect(parseKeyValues(['topk=[1,2]', 'thrs=0.5'], '--metric-options')).toEqual({ topk: [1, 2], thrs: 0.5 });
    expect(() => parseKeyValues(['topk'], '--metric-options')).toThrow(/key=value/);
  });
});

describe('trainModel / testModel', () => {
  it('load_from loads weights only; --resume without a latest checkpoint starts fresh', async () => {
    const wdA = path.join(dir, 'A');
    const a = await trainModel(cfgOf(), { workDir: wdA, seed: 1, logger: memoryLogger(), progress: false });
    expect(a.runner.epoch).toBe(2);
    expect(fs.existsSync(path.join(wdA, 'toy_cfg.ts'))).toBe(true);

    const lg = memoryLogger();
    const b = await trainModel(cfgOf({ runner: { type: 'EpochBasedRunner', max_epochs: 1 } }), {
      workDir: path.join(dir, 'B'),
      seed: 1,
      loadFrom: path.join(wdA, 'latest'),
      logger: lg,
      progress: false,
    });
    expect(b.runner.epoch).toBe(1);
    expect(lg.lines.join('\n')).toMatch(/load checkpoint from local path: .*epoch_2\.safetensors/);
    expect(lg.lines.join('\n')).not.toMatch(/resumed epoch/);

    const lg2 = memoryLogger();
    const c = await trainModel(cfgOf({ runner: { type: 'EpochBasedRunner', max_epochs: 1 } }), { workDir: path.join(dir, 'C'), seed: 1, autoResume: true, logger: lg2, progress: false });
    expect(c.runner.epoch).toBe(1);
    expect(lg2.lines.join('\n')).toMatch(/no 'latest' checkpoint .* starting from scratch/);
  });

  it('--resume without latest falls back to the newest valid epoch_N; stale temp files of dead writers go', async () => {
    const wd = path.join(dir, 'D');
    fs.mkdirSync(wd);
    fs.copyFileSync(path.join(dir, 'A', 'epoch_1.safetensors'), path.join(wd, 'epoch_1.safetensors'));
    fs.writeFileSync(path.join(wd, 'epoch_2.safetensors'), Buffer.alloc(100)); // killed mid-write without the atomic rename
    const stale = path.join(wd, '.epoch_2.safetensors.99999999.0.tmp'); // pid beyond pid_max: dead
    fs.writeFileSync(stale, 'partial');
    const old = new Date(Date.now() - 3600_000);
    fs.utimesSync(stale, old, old);
    const lg = memoryLogger();
    const r = await trainModel(cfgOf(), { workDir: wd, seed: 1, autoResume: true, logger: lg, progress: false });
    const log = lg.lines.join('\n');
    expect(log).toMatch(/--resume: skipping .*epoch_2\.safetensors/);
    expect(log).toMatch(/resumed epoch 1/i);
    expect(r.runner.epoch).toBe(2);
    expect(fs.existsSync(stale)).toBe(false);
    expect(log).toMatch(/removed the temp file of an interrupted checkpoint write: .*99999999/);
  });

  it('runs a train + val workflow and rejects bad evaluation keys', async () => {
    const lg = memoryLogger();
    await trainModel(cfgOf({ workflow: [['train', 1], ['val', 1]] }), { workDir: path.join(dir, 'W'), seed: 2, logger: lg, validate: false, progress: false });
    expect(lg.lines.join('\n')).toMatch(/Epoch\(val\) \[2\]\[1\]\tloss: \d/);
    await expect(trainModel(cfgOf({ evaluation: { interval: 1, metrc: 'accuracy' } }), { workDir: path.join(dir, 'E'), logger: memoryLogger(), progress: false })).rejects.toThrow(
      /evaluation\.metrc/,
    );
  });

  it('testModel ignores pretrained files and reports metrics in dataset order', async () => {
    const cfg = cfgOf({ model: { type: 'ToyClassifier', num_classes: 7, pretrained: 'nowhere.pth' } });
    const res = await testModel(cfg, path.join(dir, 'A', 'latest'), { metrics: ['accuracy'], logger: memoryLogger() });
    expect(res.classScores).toHaveLength(7);
    expect(res.CLASSES).toHaveLength(7);
    expect(typeof res.metrics['accuracy_top-1']).toBe('number');
    const acc = (100 * res.predLabel.filter((p, i) => p === res.gtLabels![i]).length) / 7;
    expect(res.metrics['accuracy_top-1']).toBeCloseTo(acc, 4);
  });
});
