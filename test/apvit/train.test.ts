/**
 * Training through the APViT model on a tiny config: the loss goes down with
 * plain SGD, gradients reach only the tokens APP kept, BatchNorm updates its
 * running statistics, and no tensors leak across iterations.
 */
import { presentBackends } from '../harness/backends';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import { Rng } from '../../src/utils/rng';
import { setInitSeed } from '../../src/nn/init';
import '@fer-mm/apvit';
import type { PoolingVitClassifier } from '@fer-mm/apvit';
import { tinyConfig } from './tiny';

const B = 6;
function batch(seed: number) {
  const rng = new Rng(seed);
  const labels = Array.from({ length: B }, (_, i) => i % 3);
  // class-dependent colour offsets make the task learnable
  const data = new Float32Array(B * 32 * 32 * 3);
  for (let b = 0; b < B; b++) for (let p = 0; p < 32 * 32; p++) for (let c = 0; c < 3; c++) data[(b * 1024 + p) * 3 + c] = rng.normal() * 0.5 + (c === labels[b] ? 1 : -0.5);
  return { img: tf.tensor4d(data, [B, 32, 32, 3]), label: tf.tensor1d(labels, 'int32') };
}

describe.each(presentBackends())('APViT training on %s', (backend) => {
  let model: PoolingVitClassifier;
  let vars: tf.Variable[];
  beforeAll(async () => {
    await initBackend(backend);
    setInitSeed(3);
    model = MODELS.build<PoolingVitClassifier>(tinyConfig('ir'));
    model.train();
    // every parameter, the CNN's included: Conv2d computes its own filter gradient (no Conv2DBackpropFilter needed)
    vars = model.parameters();
  });
  afterAll(() => model?.dispose());

  it('SGD steps reduce the loss, and forwardTrain reports ce_loss and accuracy.top-1', () => {
    const { img, label } = batch(1);
    const losses: number[] = [];
    const lr = 0.05;
    for (let it = 0; it < 6; it++) {
      const logs: Record<string, number> = {};
      const { value, grads } = tf.variableGrads(() => {
        const out = model.forwardTrain(img, label);
        for (const [k, v] of Object.entries(out)) logs[k] = v.dataSync()[0];
        return Object.entries(out)
          .filter(([k]) => k.includes('loss'))
          .reduce((a, [, v]) => tf.add(a, v), tf.scalar(0)) as tf.Scalar;
      }, vars);
      expect(Object.keys(logs).sort()).toEqual(['accuracy.top-1', 'ce_loss']);
      losses.push(value.dataSync()[0]);
      tf.tidy(() => {
        for (const v of vars) {
          const g = grads[v.name];
          if (g) v.assign(tf.sub(v, tf.mul(g, lr)));
        }
      });
      tf.dispose([value, grads]);
    }
    expect(losses[0]).toBeCloseTo(Math.log(7), 5); // zero-initialised head
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] - 0.1);
    tf.dispose([img, label]);
  });

  it('gradients reach exactly the patch position embeddings of tokens APP kept', () => {
    const b2 = batch(2);
    // one sample: its kept set is a strict subset of the 16 tokens
    const img = b2.img.slice([0], [1]) as tf.Tensor4D;
    const label = b2.label.slice([0], [1]) as tf.Tensor1D;
    tf.dispose([b2.img, b2.label]);
    const pos = model.vit.patch_pos_embed;
    const { grads, value } = tf.variableGrads(() => model.forwardTrain(img, label).ce_loss, [pos]);
    const g = grads[pos.name].arraySync() as number[][][];
    const kept = new Set(model.vit.lastTrace.app!.flat());
    expect(kept.size).toBe(12);
    for (let n = 0; n < 16; n++) {
      const norm = g[0][n].reduce((a, v) => a + Math.abs(v), 0);
      if (kept.has(n)) expect(norm).toBeGreaterThan(0);
      else expect(norm).toBe(0);
    }
    tf.dispose([img, label, value, grads]);
  });

  it('updates BatchNorm running statistics in training and not in eval', () => {
    const { img, label } = batch(3);
    const rm = model.extractor.input_layer.layers[1] as unknown as { runningMean: tf.Variable; numBatchesTracked: tf.Variable };
    const n0 = rm.numBatchesTracked.dataSync()[0];
    const m0 = Array.from(rm.runningMean.dataSync());
    tf.tidy(() => model.forwardTrain(img, label));
    expect(rm.numBatchesTracked.dataSync()[0]).toBe(n0 + 1);
    expect(Array.from(rm.runningMean.dataSync())).not.toEqual(m0);
    model.eval();
    const m1 = Array.from(rm.runningMean.dataSync());
    model.simpleTest(img).dispose();
    expect(Array.from(rm.runningMean.dataSync())).toEqual(m1);
    expect(rm.numBatchesTracked.dataSync()[0]).toBe(n0 + 1);
    model.train();
    tf.dispose([img, label]);
  });

  it('ignores samples labelled 255', () => {
    const { img } = batch(4);
    const label = tf.tensor1d([0, 255, 1, 255, 2, 0], 'int32');
    const out = model.forwardTrain(img, label);
    expect(Number.isFinite(out.ce_loss.dataSync()[0])).toBe(true);
    tf.dispose([img, label, out]);
  });

  it('leaks no tensors across train and eval iterations', () => {
    const { img, label } = batch(5);
    const counts: number[] = [];
    for (let it = 0; it < 3; it++) {
      const { value, grads } = tf.variableGrads(() => model.forwardTrain(img, label).ce_loss, vars);
      tf.dispose([value, grads]);
      model.eval();
      model.simpleTest(img).dispose();
      model.train();
      counts.push(tf.memory().numTensors);
    }
    expect(counts[2]).toBe(counts[0]);
    expect(counts[1]).toBe(counts[0]);
    tf.dispose([img, label]);
  });
});

describe('APViT gradients (cpu, training mode)', () => {
  it('match central finite differences for CNN, projection, attention and token parameters', async () => {
    await initBackend('cpu');
    const { randomizeWeights } = await import('./tiny');
    const model = MODELS.build<PoolingVitClassifier>(tinyConfig('ir'));
    try {
      randomizeWeights(model, 5);
      model.train();
      const rng = new Rng(3);
      const x = tf.tensor4d(Float32Array.from({ length: 4 * 32 * 32 * 3 }, () => rng.normal()), [4, 32, 32, 3]);
      const y = tf.tensor1d([0, 1, 2, 3], 'int32');
      const f = () => model.forwardTrain(x, y).ce_loss;
      const sd = model.stateDict();
      const keys = [
        'extractor.input_layer.0.weight',
        'extractor.body.1.0.res_layer.3.weight', // 3x3 stride-2 conv
        'extractor.body.1.0.shortcut_layer.0.weight', // 1x1 stride-2 conv
        'extractor.body.0.0.res_layer.2.weight', // PReLU
        'vit.projs.0.weight',
        'vit.blocks.1.attn.qkv.weight', // the block whose logits rank tokens
        'vit.patch_pos_embed',
      ];
      const vars = keys.map((k) => sd.get(k)!);
      const { value, grads } = tf.variableGrads(f, vars);
      value.dispose();
      keys.forEach((k, i) => {
        const v = vars[i];
        const g = grads[v.name].dataSync();
        const vals = v.dataSync().slice();
        // the selection is piecewise constant: only compare where a ±eps step keeps the same tokens
        const order = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]) - Math.abs(g[a]));
        const trace = () => JSON.stringify(model.vit.lastTrace);
        const at = (j: number, d: number) => {
          const c = vals.slice();
          c[j] += d;
          v.assign(tf.tensor(c, v.shape));
          const loss = tf.tidy(() => f().dataSync()[0]);
          return { loss, trace: trace() };
        };
        const base = at(0, 0).trace;
        let checked = 0;
        for (const j of order.slice(0, 6)) {
          const eps = 1e-2 * Math.max(1e-2, Math.abs(vals[j]));
          const p = at(j, eps);
          const m = at(j, -eps);
          if (p.trace !== base || m.trace !== base) continue;
          const num = (p.loss - m.loss) / (2 * eps);
          if (Math.abs(num - g[j]) > 0.05 * Math.abs(g[j]) + 2e-3) throw new Error(`${k}[${j}]: analytic ${g[j]} vs numeric ${num}`);
          if (++checked === 2) break;
        }
        at(0, 0);
        expect(`${k}: ${checked}`).toBe(`${k}: 2`);
      });
      tf.dispose([x, y, grads]);
    } finally {
      model.dispose();
    }
  });
});
