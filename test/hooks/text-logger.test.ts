import '../../src/hooks';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/backend/backend';
import { EvalHook } from '../../src/hooks/eval';
import { formatEta } from '../../src/hooks/text-logger';
import { registerTrainingHooks } from '../../src/runner/default-hooks';
import { makeToyRunner, ToyDataset, ToyLoader } from '../harness/toy';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('TextLoggerHook', () => {
  it('writes console lines with progress, lr, eta, time and losses, and one JSON object per line', async () => {
    const t = makeToyRunner({ maxEpochs: 2, datasetSize: 24, batchSize: 4, meta: { exp_name: 'toy.ts', seed: 1 } });
    registerTrainingHooks(t.runner, {
      lr_config: { policy: 'fixed' },
      optimizer_config: { grad_clip: { max_norm: 10 } },
      log_config: { interval: 2, hooks: [{ type: 'TextLoggerHook' }] },
    });
    t.runner.registerHook(new EvalHook({ dataloader: new ToyLoader(new ToyDataset(6), 3, false) }), 'LOW');
    await t.runner.run([t.loader], [['train', 1]]);
    const text = t.logger.lines.join('\n');
    expect(text).toMatch(/Epoch \[1\]\[2\/6\]\tlr: 1\.000e-01, eta: \d+:\d\d:\d\d, time: \d+\.\d{3}, data_time: \d+\.\d{3}, memory: \d+, loss: \d+\.\d{4}, acc: \d+\.\d{4}, grad_norm: \d+\.\d{4}/);
    expect(text).toMatch(/Epoch \[2\]\[6\/6\]/);
    expect(text).toMatch(/Epoch\(val\) \[1\]\[2\]\taccuracy_top-1: \d+/);
    const jsonFile = path.join(t.workDir, '20260101_000000.log.json');
    const lines = fs.readFileSync(jsonFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(lines[0]).toEqual({ exp_name: 'toy.ts', seed: 1 });
    const train = lines.filter((l) => l.mode === 'train');
    expect(train).toHaveLength(6); // 3 logs per epoch x 2 epochs
    expect(train[0]).toMatchObject({ mode: 'train', epoch: 1, iter: 2, lr: 0.1 });
    for (const k of ['loss', 'acc', 'time', 'data_time', 'grad_norm', 'memory']) expect(typeof train[0][k]).toBe('number');
    const val = lines.filter((l) => l.mode === 'val');
    expect(val).toHaveLength(2);
    expect(val[1]).toMatchObject({ mode: 'val', epoch: 2, iter: 2 });
    expect(typeof val[1]['accuracy_top-1']).toBe('number');
    // Values are rounded to 5 decimals like mmcv.
    expect(String(train[0].loss).split('.')[1]?.length ?? 0).toBeLessThanOrEqual(5);
  });

  it('by iteration prints Iter [i/max]', async () => {
    const t = makeToyRunner({ iterBased: true, maxIters: 4 });
    registerTrainingHooks(t.runner, { log_config: { interval: 2, hooks: [{ type: 'TextLoggerHook' }] } }, { byEpoch: false });
    await t.runner.run([t.loader], [['train', 1]]);
    expect(t.logger.lines.join('\n')).toMatch(/Iter \[4\/4\]\tlr: 1\.000e-01/);
  });

  it('formats ETA like Python timedelta', () => {
    expect(formatEta(0)).toBe('0:00:00');
    expect(formatEta(3725.9)).toBe('1:02:05');
    expect(formatEta(90000)).toBe('1 day, 1:00:00');
  });
});
