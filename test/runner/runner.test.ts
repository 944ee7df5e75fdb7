import '../../src/hooks';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/backend/backend';
import { Hook, type TrainIterOutputs, type ValIterOutputs } from '../../src/runner/hook';
import type { Batch } from '../../src/contracts/data';
import { Priority, getPriority } from '../../src/runner/priority';
import { registerTrainingHooks } from '../../src/runner/default-hooks';
import { tf } from '../../src/tf';
import { HOOKS } from '../../src/registry/root';
import type { BaseRunner } from '../../src/runner/base-runner';
import { makeToyRunner, ToyLoader, ToyDataset, weightsOf } from '../harness/toy';
import { logValueNumber } from '../../src/runner/log-buffer';

beforeAll(async () => {
  await initBackend('cpu');
});

/** Records every stage call as `name:stage`. */
class Recorder extends Hook {
  constructor(readonly name: string, readonly log: string[]) {
    super();
  }
  override beforeRun() { this.log.push(`${this.name}:beforeRun`); }
  override beforeTrainEpoch() { this.log.push(`${this.name}:beforeTrainEpoch`); }
  override beforeTrainIter() { this.log.push(`${this.name}:beforeTrainIter`); }
  override afterTrainIter() { this.log.push(`${this.name}:afterTrainIter`); }
  override afterTrainEpoch() { this.log.push(`${this.name}:afterTrainEpoch`); }
  override beforeValEpoch() { this.log.push(`${this.name}:beforeValEpoch`); }
  override beforeValIter() { this.log.push(`${this.name}:beforeValIter`); }
  override afterValIter() { this.log.push(`${this.name}:afterValIter`); }
  override afterValEpoch() { this.log.push(`${this.name}:afterValEpoch`); }
  override afterRun() { this.log.push(`${this.name}:afterRun`); }
}

describe('priority', () => {
  it('resolves names and numbers and rejects junk', () => {
    expect(getPriority('HIGHEST')).toBe(0);
    expect(getPriority('very_low')).toBe(90);
    expect(getPriority(42)).toBe(42);
    expect(() => getPriority('SOMETIMES' as never)).toThrow(/unknown priority.*HIGHEST/);
    expect(() => getPriority(101)).toThrow(/0\.\.100/);
  });

  it('orders hooks by priority, ties in registration order', () => {
    const { runner } = makeToyRunner();
    const log: string[] = [];
    runner.registerHook(new Recorder('low', log), 'LOW');
    runner.registerHook(new Recorder('n1', log));
    runner.registerHook(new Recorder('high', log), Priority.HIGH);
    runner.registerHook(new Recorder('n2', log), 'NORMAL');
    runner.registerHook(new Recorder('lowest', log), 100);
    runner.registerHook(new Recorder('top', log), 0);
    expect(runner.hooks.map((h) => h.name)).toEqual(['top', 'high', 'n1', 'n2', 'low', 'lowest']);
    expect(runner.getHookInfo()).toMatch(/beforeRun:\n\(HIGHEST\s*\) top\n\(HIGH\s*\) high/);
  });
});

describe('EpochBasedRunner', () => {
  it('calls every stage in order over a train/val workflow', async () => {
    const { runner, loader, dataset } = makeToyRunner({ maxEpochs: 2, datasetSize: 8, batchSize: 4 });
    const log: string[] = [];
    runner.registerHook(new Recorder('r', log));
    runner.registerHookFromCfg({ type: 'OptimizerHook' });
    const val = new ToyLoader(dataset, 8, false);
    await runner.run([loader, val], [['train', 1], ['val', 1]]);
    const epoch = [
      'r:beforeTrainEpoch', 'r:beforeTrainIter', 'r:afterTrainIter', 'r:beforeTrainIter', 'r:afterTrainIter', 'r:afterTrainEpoch',
      'r:beforeValEpoch', 'r:beforeValIter', 'r:afterValIter', 'r:afterValEpoch',
    ];
    expect(log).toEqual(['r:beforeRun', ...epoch, ...epoch, 'r:afterRun']);
    expect(runner.epoch).toBe(2);
    expect(runner.iter).toBe(4);
    expect(runner.maxIters).toBe(4);
  });

  it('learns the toy problem and keeps the tensor count flat', async () => {
    const { runner, loader, model } = makeToyRunner({ maxEpochs: 6 });
    registerTrainingHooks(runner, { lr_config: { policy: 'fixed' }, optimizer_config: { grad_clip: { max_norm: 5 } } });
    const counts: number[] = [];
    class Counter extends Hook {
      readonly name = 'Counter';
      override afterTrainIter(r: BaseRunner) {
        if (r.innerIter === 0) counts.push(tf.memory().numTensors);
      }
    }
    runner.registerHook(new Counter(), 'LOWEST');
    const before = weightsOf(model);
    await runner.run([loader], [['train', 1]]);
    expect(new Set(counts.slice(1)).size).toBe(1);
    expect(weightsOf(model)).not.toEqual(before);
    const val = new ToyLoader(new ToyDataset(24), 8, false);
    const { testModelScores } = await import('../../src/runner/inference');
    const { SingleProcessDist } = await import('../../src/runner/dist');
    const scores = await testModelScores(model, val, new SingleProcessDist());
    const acc = val.dataset.evaluate(scores)['accuracy_top-1'];
    expect(acc).toBeGreaterThan(90);
  });

  it('sums only the keys containing "loss" and logs the others', async () => {
    const { runner, loader } = makeToyRunner({ maxEpochs: 1 });
    runner.registerHookFromCfg({ type: 'OptimizerHook' });
    let seen: Record<string, number> | undefined;
    const calls: string[] = [];
    class Peek extends Hook {
      readonly name = 'Peek';
      override beforeTrainIter(_r: BaseRunner, i: number, b: Batch) {
        calls.push(`before ${i} [${b.indices}]`);
      }
      override afterTrainIter(_r: BaseRunner, i: number, b: Batch, outputs: TrainIterOutputs) {
        calls.push(`after ${i} [${b.indices}] n=${outputs.numSamples} grads=${outputs.grads === undefined ? 'taken' : 'kept'}`);
        seen = Object.fromEntries(Object.entries(outputs.logVars).map(([k, v]) => [k, logValueNumber(v)]));
      }
      override afterValIter(_r: BaseRunner, i: number, b: Batch, outputs: ValIterOutputs) {
        calls.push(`val ${i} [${b.indices}] loss=${typeof outputs.logVars.loss}`);
      }
    }
    runner.registerHook(new Peek()); // NORMAL: after the OptimizerHook (ABOVE_NORMAL) took the gradients
    await runner.run([loader, loader], [['train', 1], ['val', 1]]);
    expect(Object.keys(seen!).sort()).toEqual(['acc', 'loss']);
    expect(seen!.acc).toBeGreaterThanOrEqual(0);
    // each stage gets the batch index, the batch and (after a step) its outputs, as MMEngine's hooks do
    const n = loader.length;
    expect(calls.filter((c) => c.startsWith('after ')).map((c) => c.split(' ')[1])).toEqual(Array.from({ length: n }, (_, i) => String(i)));
    expect(calls.every((c) => !c.startsWith('after ') || c.endsWith('grads=taken'))).toBe(true);
    expect(calls.filter((c) => c.startsWith('val '))).toHaveLength(n);
    expect(calls.find((c) => c.startsWith('val '))).toContain('loss=number');
    expect(calls[0]).toMatch(/^before 0 \[\d/);
  });

  it('rejects a workflow that does not match the loaders', async () => {
    const { runner, loader } = makeToyRunner();
    await expect(runner.run([loader], [['train', 1], ['val', 1]])).rejects.toThrow(/2 phases but 1 data loaders/);
  });

  it('stops early with stopAfterEpochs (a "killed" run)', async () => {
    const { runner, loader } = makeToyRunner({ maxEpochs: 5 });
    runner.registerHookFromCfg({ type: 'OptimizerHook' });
    (runner as import('../../src/runner/epoch-based-runner').EpochBasedRunner).stopAfterEpochs = 2;
    await runner.run([loader], [['train', 1]]);
    expect(runner.epoch).toBe(2);
  });
});

describe('IterBasedRunner', () => {
  it('runs max_iters across loader passes and bumps the sampler epoch on wrap-around', async () => {
    const { runner, loader } = makeToyRunner({ iterBased: true, maxIters: 14, datasetSize: 24, batchSize: 4 });
    runner.registerHookFromCfg({ type: 'OptimizerHook' });
    await runner.run([loader], [['train', 1]]);
    expect(runner.iter).toBe(14);
    expect(loader.epochsSeen).toEqual([0, 1, 2]);
    expect(runner.epoch).toBe(2);
  });
});

describe('custom hooks from config', () => {
  it('builds registered hooks with a priority key', () => {
    const { runner } = makeToyRunner();
    registerTrainingHooks(runner, {
      lr_config: { policy: 'step', step: [1] },
      optimizer_config: { grad_clip: null },
      checkpoint_config: { interval: 1 },
      log_config: { interval: 5, hooks: [{ type: 'TextLoggerHook' }] },
      momentum_config: null,
      custom_hooks: [{ type: 'ProgressBarHook', priority: 'HIGHEST' }],
    });
    expect(runner.hooks.map((h) => [h.name, h.priority])).toEqual([
      ['ProgressBarHook', 0],
      ['LrUpdaterHook', 10],
      ['OptimizerHook', 40],
      ['DistSamplerSeedHook', 50],
      ['CheckpointHook', 50],
      ['PlateauDetectorHook', 60],
      ['IterTimerHook', 70],
      ['TextLoggerHook', 90],
    ]);
    expect((runner.hooks[7] as unknown as { interval: number }).interval).toBe(5);
    // the plateau check runs at the log interval
    expect((runner.hooks[5] as unknown as { args: { interval: number } }).args.interval).toBe(5);
  });

  it('names the config path of a bad hook', () => {
    const { runner } = makeToyRunner();
    expect(() => registerTrainingHooks(runner, { custom_hooks: [{ type: 'NoSuchHook' }] })).toThrow(/custom_hooks\.0\.type/);
    expect(() => registerTrainingHooks(runner, { momentum_config: { policy: 'cyclic' } })).toThrow(/momentum_config/);
    expect(HOOKS.has('EvalHook')).toBe(true);
  });
});

afterAll(() => {
  void fs;
  void path;
});
