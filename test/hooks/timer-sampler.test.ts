import '../../src/hooks';
import { initBackend } from '../../src/backend/backend';
import { IterTimerHook } from '../../src/hooks/iter-timer';
import { DistSamplerSeedHook } from '../../src/hooks/dist-sampler-seed';
import { ProgressBarHook } from '../../src/hooks/progress-bar';
import { Hook } from '../../src/runner/hook';
import type { BaseRunner } from '../../src/runner/base-runner';
import { makeToyRunner } from '../harness/toy';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('IterTimerHook', () => {
  it('records time and data_time for every iteration, data_time <= time', async () => {
    const t = makeToyRunner({ maxEpochs: 1, datasetSize: 12, batchSize: 4 });
    t.runner.registerHookFromCfg({ type: 'OptimizerHook' });
    t.runner.registerHook(new IterTimerHook());
    await t.runner.run([t.loader], [['train', 1]]);
    const hist = (t.runner.logBuffer as unknown as { history: Map<string, number[]> }).history;
    expect(hist.get('time')).toHaveLength(3);
    expect(hist.get('data_time')).toHaveLength(3);
    hist.get('time')!.forEach((tm, i) => expect(hist.get('data_time')![i]).toBeLessThanOrEqual(tm));
  });
});

describe('DistSamplerSeedHook', () => {
  it('sets the sampler epoch before each epoch', async () => {
    const t = makeToyRunner({ maxEpochs: 3 });
    t.runner.registerHookFromCfg({ type: 'OptimizerHook' });
    t.runner.registerHook(new DistSamplerSeedHook());
    await t.runner.run([t.loader], [['train', 1]]);
    expect(t.loader.epochsSeen).toEqual([0, 1, 2]);
  });
});

describe('ProgressBarHook', () => {
  it('shows progress during each epoch (forced on, off a TTY: plain lines, log sink untouched)', async () => {
    const t = makeToyRunner({ maxEpochs: 2 });
    const sink = t.logger.sink;
    t.runner.registerHookFromCfg({ type: 'OptimizerHook' });
    const hook = new ProgressBarHook({ force: true });
    t.runner.registerHook(hook);
    const states: Array<[boolean, boolean]> = [];
    class Peek extends Hook {
      readonly name = 'Peek';
      override afterTrainIter(r: BaseRunner) {
        if (r.innerIter === 0) states.push([(hook as unknown as { bar?: { active: boolean } }).bar?.active ?? false, t.logger.sink !== sink]);
      }
    }
    t.runner.registerHook(new Peek(), 'HIGHEST');
    const write = process.stderr.write;
    process.stderr.write = (() => true) as typeof process.stderr.write;
    try {
      await t.runner.run([t.loader], [['train', 1]]);
    } finally {
      process.stderr.write = write;
    }
    expect(states).toEqual([[true, false], [true, false]]);
    expect(t.logger.sink).toBe(sink);
  });
});
