import '../../src/hooks';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/backend/backend';
import { EvalHook } from '../../src/hooks/eval';
import { Hook } from '../../src/runner/hook';
import type { BaseRunner } from '../../src/runner/base-runner';
import { makeToyRunner, ToyLoader, ToyDataset } from '../harness/toy';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('EvalHook', () => {
  it('evaluates every interval, logs metrics and keeps one best checkpoint (greater rule)', async () => {
    const t = makeToyRunner({ maxEpochs: 4, datasetSize: 12, lr: 0.05 });
    t.runner.registerHookFromCfg({ type: 'OptimizerHook' });
    const val = new ToyLoader(new ToyDataset(12), 5, false);
    // built through the run's container, so the hook logs through the run's logger
    const hook = t.runner.registerHookFromCfg({ type: 'EvalHook', interval: 1, metric: ['accuracy', 'class_accuracy'], save_best: 'auto' }, 'evaluation', { dataloader: val }) as EvalHook;
    const seen: Array<Record<string, unknown>> = [];
    class Peek extends Hook {
      readonly name = 'Peek';
      override afterTrainEpoch(r: BaseRunner) {
        seen.push({ ...r.logBuffer.output });
      }
    }
    t.runner.registerHook(new Peek(), 'LOWEST');
    await t.runner.run([t.loader], [['train', 1]]);
    expect(seen).toHaveLength(4);
    expect(seen[0]['eval_iter_num']).toBe(3);
    expect((seen[0].class_accuracy as number[]).length).toBe(3);
    expect(hook.saveBest).toBe('accuracy_top-1');
    expect(hook.rule).toBe('greater');
    const accs = seen.map((s) => s['accuracy_top-1'] as number);
    let bestIdx = 0;
    accs.forEach((a, i) => (a > accs[bestIdx] ? (bestIdx = i) : 0));
    const bests = fs.readdirSync(t.workDir).filter((f) => f.startsWith('best_'));
    expect(bests).toEqual([`best_accuracy_top-1_epoch_${bestIdx + 1}.safetensors`]);
    expect(t.runner.hookMsgs.best_score).toBe(accs[bestIdx]);
    expect(t.logger.lines.join('\n')).toMatch(/Best accuracy_top-1 is/);
  });

  it('infers the less rule for loss-like keys and honours start/interval', async () => {
    const t = makeToyRunner({ maxEpochs: 5, datasetSize: 12 });
    t.runner.registerHookFromCfg({ type: 'OptimizerHook' });
    const val = new ToyLoader(new ToyDataset(12), 12, false);
    const hook = new EvalHook({ dataloader: val, interval: 2, start: 1, metric: 'neg_loss', save_best: 'neg_loss' });
    expect(hook.rule).toBe('less');
    let evals = 0;
    const orig = hook.doEvaluate.bind(hook);
    hook.doEvaluate = async (r) => {
      evals++;
      await orig(r);
    };
    t.runner.registerHook(hook);
    await t.runner.run([t.loader], [['train', 1]]);
    expect(evals).toBe(3); // epochs 1, 3, 5
    expect(fs.readdirSync(t.workDir).filter((f) => f.startsWith('best_neg_loss_epoch_')).length).toBe(1);
    void path;
  });

  it('asks for a rule when the key says nothing', () => {
    const val = new ToyLoader(new ToyDataset(3), 3, false);
    expect(() => new EvalHook({ dataloader: val, save_best: 'weird' })).toThrow(/cannot infer the rule of 'weird'/);
    expect(new EvalHook({ dataloader: val, save_best: 'weird', rule: 'less' }).rule).toBe('less');
  });
});
