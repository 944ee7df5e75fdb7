import '../../src/hooks';
import { initBackend } from '../../src/backend/backend';
import { tf } from '../../src/tf';
import { PlateauDetectorHook } from '../../src/hooks/plateau-detector';
import { registerTrainingHooks } from '../../src/runner/default-hooks';
import { makeToyRunner } from '../harness/toy';

beforeAll(async () => {
  await initBackend('cpu');
});

/** A toy run whose classifier starts at zero: every logit 0, the loss exactly ln(3). */
function zeroStart(opts: Parameters<typeof makeToyRunner>[0] = {}) {
  const t = makeToyRunner({ maxEpochs: 3, datasetSize: 24, batchSize: 4, ...opts });
  t.model.fc.weight.assign(tf.zeros(t.model.fc.weight.shape));
  return t;
}

const warnings = (lines: string[]) => lines.filter((l) => l.includes('PlateauDetectorHook: the training'));

describe('PlateauDetectorHook', () => {
  it('warns once, naming ln(C) and the usual causes, when the loss stays at chance', async () => {
    // no optimizer hook: the weights never move, so the loss stays at ln(3) for all 18 iterations
    const t = zeroStart();
    // built through the run's container, so the hook logs through the run's logger
    const hook = t.runner.registerHookFromCfg({ type: 'PlateauDetectorHook', interval: 2, intervals: 3 }) as PlateauDetectorHook;
    await t.runner.run([t.loader], [['train', 1]]);
    const w = warnings(t.logger.lines);
    expect(w).toHaveLength(1);
    expect(w[0]).toMatch(/WARNING/);
    expect(w[0]).toContain('ln(3) = 1.099');
    expect(w[0]).toMatch(/first 3 intervals \(6 iterations/);
    expect(w[0]).toMatch(/learning rate/);
    expect(w[0]).toMatch(/warmup/);
    expect(hook.state).toBe('warned');
    hook.means.forEach((m) => expect(m).toBeCloseTo(Math.log(3), 5));
  });

  it('stays quiet when the loss leaves the band within the first intervals', async () => {
    const t = zeroStart({ lr: 0.5, momentum: 0 });
    t.runner.registerHookFromCfg({ type: 'OptimizerHook' });
    // built through the run's container, so the hook logs through the run's logger
    const hook = t.runner.registerHookFromCfg({ type: 'PlateauDetectorHook', interval: 2, intervals: 3 }) as PlateauDetectorHook;
    await t.runner.run([t.loader], [['train', 1]]);
    expect(warnings(t.logger.lines)).toHaveLength(0);
    expect(hook.state).toBe('left');
  });

  it('stops watching for good once an interval has left the band', async () => {
    // the first iteration is on the plateau (zero weights), then learning leaves it; later intervals are not counted
    const t = zeroStart({ lr: 0.5, momentum: 0 });
    t.runner.registerHookFromCfg({ type: 'OptimizerHook' });
    // built through the run's container, so the hook logs through the run's logger
    const hook = t.runner.registerHookFromCfg({ type: 'PlateauDetectorHook', interval: 1, intervals: 18, band: 0.05 }) as PlateauDetectorHook;
    await t.runner.run([t.loader], [['train', 1]]);
    expect(hook.means.length).toBeGreaterThanOrEqual(1);
    expect(hook.means.length).toBeLessThan(18);
    expect(warnings(t.logger.lines)).toHaveLength(0);
  });

  it('is a default training hook at the log interval, with its class priority, and plateau_config=null removes it', () => {
    expect(PlateauDetectorHook.priority).toBe(60);
    const on = makeToyRunner();
    registerTrainingHooks(on.runner, { log_config: { interval: 7, hooks: [] } });
    const hook = on.runner.hooks.find((h) => h instanceof PlateauDetectorHook) as PlateauDetectorHook | undefined;
    expect(hook?.args.interval).toBe(7);
    expect(hook?.priority).toBe(60);
    const tuned = makeToyRunner();
    registerTrainingHooks(tuned.runner, { plateau_config: { intervals: 2, band: 0.1 } });
    const h2 = tuned.runner.hooks.find((h) => h instanceof PlateauDetectorHook) as PlateauDetectorHook;
    expect(h2.args).toMatchObject({ intervals: 2, band: 0.1, interval: 10 });
    const off = makeToyRunner();
    registerTrainingHooks(off.runner, { plateau_config: null });
    expect(off.runner.hooks.some((h) => h instanceof PlateauDetectorHook)).toBe(false);
    expect(() => registerTrainingHooks(makeToyRunner().runner, { plateau_config: { band: -1 } })).toThrow(/plateau_config/);
  });

  it('does not check a run resumed past its start', async () => {
    const t = zeroStart();
    // built through the run's container, so the hook logs through the run's logger
    const hook = t.runner.registerHookFromCfg({ type: 'PlateauDetectorHook', interval: 2, intervals: 3 }) as PlateauDetectorHook;
    t.runner.iter = 6;
    await t.runner.run([t.loader], [['train', 1]]);
    expect(hook.state).toBe('off');
    expect(warnings(t.logger.lines)).toHaveLength(0);
  });
});
