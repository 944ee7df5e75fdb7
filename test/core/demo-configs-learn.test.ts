/**
 * The one cheap learning check of the demo configs: a few optimizer steps
 * with the config's own model and AdamW lower the training loss on a fixed
 * batch. Whether a full demo run reaches its accuracy on every seed is what
 * `tools/seed-sweep.ts` measures (docs/demo.md), not a test.
 */
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import { loadConfig } from '../../src/config';
import { buildOptimizer, moduleKindsOf, type OptimizerCfg } from '../../src/optim';
import { trainStep } from '../../src/runner/train-step';
import type { Module } from '../../src/nn/module';
import { Rng } from '../../src/utils/rng';
import '@fer-mm/apvit';
import '@fer-mm/transfer';

const REPO = path.resolve(__dirname, '../..');

beforeAll(async () => {
  // wasm, the demos' backend: a demo-size step is several times slower on the cpu backend
  await initBackend('wasm');
});

describe.each(['configs/apvit/demo.ts', 'configs/transfer/demo.ts'])('%s', (file) => {
  it('a few AdamW steps at the configured lr lower the training loss', () => {
    const cfg = loadConfig(path.join(REPO, file), { importCustomModules: false }).cfg as Record<string, any>;
    const size = cfg.model.extractor.input_size[0] as number;
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const model = MODELS.build<Module & { forwardTrain: unknown }>(cfg.model, { path: 'model' });
    // the shipped demos build without warnings (no unused kwargs)
    expect(warn.mock.calls).toEqual([]);
    warn.mockRestore();
    model.train();
    const opt = buildOptimizer(model.namedParameters(), cfg.optimizer as OptimizerCfg, moduleKindsOf(model));
    const b = 4;
    const r = new Rng(3);
    const batch = {
      img: { data: Float32Array.from({ length: b * size * size * 3 }, () => r.normal()), shape: [b, size, size, 3] },
      gt_label: Int32Array.from({ length: b }, (_, i) => i % 7),
      indices: [...Array(b).keys()],
      img_metas: [],
    };
    const losses: number[] = [];
    const start = tf.memory().numTensors;
    for (let i = 0; i < 8; i++) {
      const out = trainStep(model as never, batch as never);
      losses.push(out.logVars.ce_loss.dataSync()[0]);
      tf.dispose(Object.values(out.logVars));
      opt.step(out.grads);
      Object.values(out.grads).forEach((g) => g.dispose());
    }
    // MAD/MSAD make single steps noisy: compare the means of the first and last two
    const mean = (xs: number[]) => xs.reduce((s, x) => s + x, 0) / xs.length;
    expect(mean(losses.slice(-2))).toBeLessThan(mean(losses.slice(0, 2)) - 0.05);
    opt.dispose();
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(start);
  });
});
