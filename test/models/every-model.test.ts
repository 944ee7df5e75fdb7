/**
 * timm-style check: every component registered in MODELS by the framework and
 * the two shipped plugins builds from a small config and runs on a tiny input.
 * A newly registered model without a recipe here fails the first test.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import type { Module } from '../../src/nn/module';
import type { Batch } from '../../src/contracts/data';
import '../../src/models';
import '@fer-mm/apvit';
import '@fer-mm/transfer';
import { tinyConfig } from '../apvit/tiny';
import { tinyTransferConfig } from '../transfer/tiny';

type Run = (m: Module) => tf.Tensor[];
type Any = { [k: string]: (...a: unknown[]) => unknown };
const call = (m: Module, fn: string, ...args: unknown[]) => (m as unknown as Any)[fn](...args);

const img = () => tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
const labels = () => tf.tensor1d([1, 3], 'int32');

/** A classifier: eval scores are probabilities, training returns finite losses. */
const classifierRun: Run = (m) => {
  const probs = call(m.eval(), 'simpleTest', img()) as tf.Tensor2D;
  expect(probs.shape).toEqual([2, 7]);
  expect(Array.from(tf.sum(probs, 1).dataSync()).every((s) => Math.abs(s - 1) < 1e-4)).toBe(true);
  // the model steps take the loader's host batch (NHWC float32) through the data preprocessor
  const batch: Batch = { img: { data: img().dataSync() as Float32Array, shape: [2, 32, 32, 3] }, gt_label: Int32Array.from([1, 3]), indices: [0, 1] };
  const stepScores = call(m.eval(), 'valStep', batch) as tf.Tensor2D;
  expect(stepScores.shape).toEqual([2, 7]);
  const losses = call(m.train(), 'trainStep', batch) as Record<string, tf.Scalar>;
  expect(Object.keys(losses).some((k) => k.includes('loss'))).toBe(true);
  for (const v of Object.values(losses)) expect(Number.isFinite(v.dataSync()[0])).toBe(true);
  return [probs, stepScores, ...Object.values(losses)];
};

const apvit = tinyConfig();
const transfer = tinyTransferConfig();
const recipes: Record<string, { cfg: Record<string, unknown>; run: Run }> = {
  ImageClassifier: {
    cfg: { type: 'ImageClassifier', backbone: apvit.extractor, neck: { type: 'GlobalAveragePooling' }, head: { type: 'LinearClsHead', num_classes: 7, in_channels: 8 } },
    run: classifierRun,
  },
  PoolingVitClassifier: { cfg: apvit, run: classifierRun },
  TransFER: { cfg: transfer, run: classifierRun },
  IRSE: {
    cfg: apvit.extractor,
    run: (m) => {
      const out = call(m, 'forward', img()) as tf.Tensor[];
      expect(out.map((t) => t.shape)).toEqual([[2, 4, 4, 8]]);
      return out;
    },
  },
  PoolingViT: {
    cfg: apvit.vit,
    run: (m) => {
      const out = call(m, 'forward', [tf.randomNormal([2, 4, 4, 8])]) as tf.Tensor;
      expect(out.shape).toEqual([2, 16]);
      return [out];
    },
  },
  MSADViT: {
    cfg: transfer.vit,
    run: (m) => {
      const out = call(m, 'forward', tf.randomNormal([2, 16, 16])) as tf.Tensor;
      expect(out.shape).toEqual([2, 16]);
      return [out];
    },
  },
  MultiLANet: {
    cfg: transfer.attention,
    run: (m) => {
      const { maps, loss } = call(m, 'forward', tf.randomNormal([2, 4, 4, 16])) as { maps: tf.Tensor[]; loss: tf.Scalar };
      expect(maps.map((t) => t.shape)).toEqual([[2, 4, 4, 1], [2, 4, 4, 1]]);
      return [...maps, loss];
    },
  },
  MaxHybridFlatten: {
    cfg: transfer.convert,
    run: (m) => {
      const maps = [tf.randomUniform([2, 4, 4, 1]), tf.randomUniform([2, 4, 4, 1])];
      const { tokens, fused } = call(m.eval(), 'forward', tf.randomNormal([2, 4, 4, 16]), maps) as { tokens: tf.Tensor; fused: tf.Tensor };
      expect(tokens.shape).toEqual([2, 16, 16]);
      return [tokens, fused, ...maps];
    },
  },
  DiverseEuclidLoss: {
    cfg: { type: 'DiverseEuclidLoss', loss_margin: 1, loss_weight: 0.5 },
    run: (m) => [call(m, 'forward', [tf.zeros([2, 4, 4, 1]), tf.ones([2, 4, 4, 1])]) as tf.Scalar],
  },
  ClsDataPreprocessor: {
    cfg: { type: 'ClsDataPreprocessor', mean: [127.5, 127.5, 127.5], std: [127.5, 127.5, 127.5], to_rgb: true },
    run: (m) => {
      const data = new Float32Array(2 * 2 * 2 * 3).map((_, i) => (i % 3 === 0 ? 255 : 0));
      const out = call(m, 'process', { img: { data, shape: [2, 2, 2, 3] }, gt_label: Int32Array.from([1, 3]), indices: [0, 1] }, false) as { inputs: tf.Tensor4D; gtLabel: tf.Tensor1D };
      // BGR -> RGB puts the 255s last, then (x - 127.5) / 127.5
      expect(Array.from(out.inputs.dataSync().slice(0, 3))).toEqual([-1, -1, 1]);
      return [out.inputs, out.gtLabel];
    },
  },
  SyncBN: {
    // one process: batch statistics of this batch, as BatchNorm2d
    cfg: { type: 'SyncBN', num_features: 3 },
    run: (m) => {
      const out = call(m.train(), 'forward', tf.randomNormal([2, 4, 4, 3])) as tf.Tensor;
      expect(out.shape).toEqual([2, 4, 4, 3]);
      expect(Math.abs(tf.mean(out).dataSync()[0])).toBeLessThan(1e-5);
      return [out];
    },
  },
  GlobalAveragePooling: {
    cfg: { type: 'GlobalAveragePooling' },
    run: (m) => {
      const out = call(m, 'forward', tf.randomNormal([2, 3, 3, 5])) as tf.Tensor;
      expect(out.shape).toEqual([2, 5]);
      return [out];
    },
  },
  ClsHead: {
    cfg: { type: 'ClsHead', topk: [1, 2] },
    run: (m) => Object.values(call(m, 'forwardTrain', tf.randomNormal([2, 7]), labels()) as Record<string, tf.Scalar>),
  },
  LinearClsHead: {
    cfg: { type: 'LinearClsHead', num_classes: 7, in_channels: 5 },
    run: (m) => {
      const p = call(m, 'simpleTest', tf.randomNormal([2, 5])) as tf.Tensor;
      expect(p.shape).toEqual([2, 7]);
      return [p];
    },
  },
  CrossEntropyLoss: {
    cfg: { type: 'CrossEntropyLoss', label_smooth_val: 0.1 },
    run: (m) => [call(m, 'forward', tf.randomNormal([2, 7]), labels()) as tf.Scalar],
  },
};

describe('every registered model', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  // the plugin packages register under their own scopes (apvit., transfer.), children of the root
  it('has a recipe here (framework and shipped plugins)', () => {
    const names = MODELS.listAll()
      .map((e) => e.name)
      .sort();
    expect(names).toEqual(Object.keys(recipes).sort());
  });

  it.each(Object.keys(recipes))('%s builds from its config and runs on a tiny input', (name) => {
    const { cfg, run } = recipes[name];
    const before = tf.memory().numTensors;
    const m = MODELS.build<Module>(cfg, { path: `model(${name})` });
    tf.dispose(tf.tidy(() => run(m)));
    (m as Partial<Module>).dispose?.(); // a data preprocessor holds no tensors
    // nothing the build or the forward made is left behind
    expect(tf.memory().numTensors).toBe(before);
  });
});
