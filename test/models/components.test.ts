/** The generic mmcls parts: loss, heads, GAP neck, ImageClassifier (with and without neck/head, pretrained loading). */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import { saveCheckpoint } from '../../src/checkpoint/load';
import { Module } from '../../src/nn/module';
import { Linear } from '../../src/nn/layers/linear';
import { collectConfigProblems } from '../../src/registry/validate';
import { getRootSchema } from '../../src/config';
import { Logger } from '../../src/runner/logger';
import { createRunContainer } from '../../src/runner/api/build';
import { CrossEntropyLoss, ClsHead, GlobalAveragePooling, ImageClassifier, LinearClsHead, Block } from '../../src/models';

/** A backbone with one Linear over the channels: [B,H,W,3] → [B,H,W,4]. */
class PixelLinear extends Module {
  readonly fc: Linear;
  constructor() {
    super();
    this.fc = this.registerModule('fc', new Linear({ inFeatures: 3, outFeatures: 4 }));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.fc.forward(x);
  }
}
MODELS.child('modelstest').registerModule(PixelLinear, { name: 'PixelLinear', role: 'backbone' });

const data = (values: ArrayLike<number>) => Array.from(values);

describe('CrossEntropyLoss', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  const logits = [
    [2, 0.5, -1],
    [0, 1, 3],
  ];
  const labels = [0, 2];
  /** −Σ_k target_k · log softmax_k with target = (1−ε)·onehot + ε/K, in float64. */
  function byHand(eps: number): number[] {
    return logits.map((row, i) => {
      const lse = Math.log(row.reduce((s, v) => s + Math.exp(v), 0));
      return -row.reduce((s, v, k) => s + ((k === labels[i] ? 1 - eps : 0) + eps / row.length) * (v - lse), 0);
    });
  }
  const run = (args: Record<string, unknown>) =>
    tf.tidy(() => data(new CrossEntropyLoss(args).forward(tf.tensor2d(logits), tf.tensor1d(labels, 'int32')).dataSync()));

  it('matches a hand computation with label smoothing (mmcls label_smooth_val, torch label_smoothing)', () => {
    const per = byHand(0.2);
    expect(run({ label_smooth_val: 0.2, reduction: 'none' }).map((v, i) => v - per[i]).every((d) => Math.abs(d) < 1e-5)).toBe(true);
    expect(run({ label_smoothing: 0.2 })[0]).toBeCloseTo((per[0] + per[1]) / 2, 5);
    expect(run({ label_smooth_val: 0.2, reduction: 'sum', loss_weight: 0.5 })[0]).toBeCloseTo(((per[0] + per[1]) * 0.5), 5);
  });

  it('without smoothing is the plain cross entropy', () => {
    const per = byHand(0);
    expect(run({})[0]).toBeCloseTo((per[0] + per[1]) / 2, 5);
  });

  it('rejects two different smoothing values, naming the keys', () => {
    expect(() => new CrossEntropyLoss({ label_smooth_val: 0.1, label_smoothing: 0.2 })).toThrow(/label_smooth_val \(0\.1\) and label_smoothing \(0\.2\) disagree/);
    expect(() => MODELS.build({ type: 'CrossEntropyLoss', label_smooth_val: 2 }, { path: 'model.head.loss' })).toThrow(/model\.head\.loss\.label_smooth_val/);
  });
});

describe('GlobalAveragePooling', () => {
  it.each([
    [2, [2, 3, 4, 5]],
    [1, [2, 6, 5]],
    [3, [2, 2, 3, 4, 5]],
  ])('dim %d averages every axis between batch and channels of %j', (dim, shape) => {
    const gap = new GlobalAveragePooling({ dim: dim as 1 | 2 | 3 });
    const x = tf.randomNormal(shape, 0, 1, 'float32', 3);
    const y = gap.forward(x);
    expect(y.shape).toEqual([2, 5]);
    const want = tf.mean(tf.reshape(x, [2, -1, 5]), 1);
    expect(tf.max(tf.abs(tf.sub(y, want))).dataSync()[0]).toBeLessThan(1e-6);
    tf.dispose([x, y, want]);
  });

  it('maps a tuple to a tuple and rejects a wrong rank with the config path', () => {
    const gap = MODELS.build<GlobalAveragePooling>({ type: 'GlobalAveragePooling' }, { path: 'model.neck' });
    const out = gap.forward([tf.ones([1, 2, 2, 3]), tf.ones([1, 4, 4, 6])]);
    expect(out.map((t) => t.shape)).toEqual([[1, 3], [1, 6]]);
    expect(() => gap.forward(tf.ones([1, 3]))).toThrow(/model\.neck: dim 2 expects a rank-4 input .* got shape \[1, 3\]/);
    tf.dispose(out);
  });
});

describe('heads', () => {
  it('ClsHead takes the scores as they are; LinearClsHead starts at zero (uniform softmax)', () => {
    const scores = tf.tensor2d([[0, 5, 1], [3, 0, 0]]);
    const head = new ClsHead({ topk: [1, 2] });
    const out = head.forwardTrain(scores, tf.tensor1d([1, 1], 'int32'));
    expect(Object.keys(out).sort()).toEqual(['accuracy.top-1', 'accuracy.top-2', 'ce_loss']);
    expect(out['accuracy.top-1'].dataSync()[0]).toBeCloseTo(50);
    expect(out['accuracy.top-2'].dataSync()[0]).toBeCloseTo(100); // in [3,0,0] label 1 ranks second: its tie with class 2 goes to the lower index
    const lin = new LinearClsHead({ num_classes: 4, in_channels: 3 });
    expect(data(lin.simpleTest(tf.ones([1, 3])).dataSync())).toEqual([0.25, 0.25, 0.25, 0.25]);
    expect([...lin.stateDict().keys()]).toEqual(['fc.weight', 'fc.bias']);
    expect(() => new LinearClsHead({ num_classes: 2, in_channels: 3, topk: [5] })).toThrow(/topk: 5 > num_classes 2/);
  });
});

describe('ImageClassifier', () => {
  const headCfg = { type: 'LinearClsHead', num_classes: 3, in_channels: 4 };
  const img = () => tf.randomUniform([2, 5, 5, 3], -1, 1, 'float32', 7) as tf.Tensor4D;

  it('backbone → GAP neck → head: keys follow the children, scores sum to one, training returns the loss', () => {
    const m = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'modelstest.PixelLinear' }, neck: { type: 'GlobalAveragePooling' }, head: headCfg });
    expect([...m.stateDict().keys()]).toEqual(['backbone.fc.weight', 'backbone.fc.bias', 'head.fc.weight', 'head.fc.bias']);
    const x = img();
    const feat = m.extractFeat(x) as tf.Tensor;
    expect(feat.shape).toEqual([2, 4]);
    expect(m.simpleTest(x).shape).toEqual([2, 3]);
    const losses = m.forwardTrain(x, tf.tensor1d([0, 2], 'int32'));
    expect(losses.ce_loss.dataSync()[0]).toBeCloseTo(Math.log(3), 5); // zero-initialised head: uniform scores
  });

  it('without a neck the head gets the backbone output; without a head it only extracts features', () => {
    const noNeck = MODELS.build<ImageClassifier>({
      type: 'ImageClassifier',
      backbone: { type: 'modelstest.PixelLinear' },
      head: { type: 'ClsHead' },
    });
    expect(noNeck.neck).toBeUndefined();
    expect((noNeck.extractFeat(img()) as tf.Tensor).shape).toEqual([2, 5, 5, 4]);
    const featOnly = MODELS.build<ImageClassifier>({ type: 'ImageClassifier', backbone: { type: 'modelstest.PixelLinear' }, neck: { type: 'GlobalAveragePooling' } }, { path: 'model' });
    expect((featOnly.extractFeat(img()) as tf.Tensor).shape).toEqual([2, 4]);
    expect(() => featOnly.simpleTest(img())).toThrow(/model: simpleTest needs a head/);
    expect(() => featOnly.forwardTrain(img(), tf.tensor1d([0, 1], 'int32'))).toThrow(/model: forwardTrain needs a head/);
  });

  it('loads `pretrained` into the backbone and `init_cfg` (Pretrained, prefix) into the model', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-models-'));
    const w = tf.fill([4, 3], 0.5);
    const bb = path.join(dir, 'backbone.safetensors');
    saveCheckpoint(bb, { stateDict: new Map([['fc.weight', w]]) });
    const whole = path.join(dir, 'whole.safetensors');
    saveCheckpoint(whole, { stateDict: new Map([['model.head.fc.bias', tf.tensor1d([1, 2, 3])]]) });
    const logs: string[] = [];
    const logger = new Logger({ level: 'INFO', stream: { write: (s: string) => logs.push(s) } });
    const container = createRunContainer(logger);
    const m = MODELS.build<ImageClassifier>(
      {
        type: 'ImageClassifier',
        backbone: { type: 'modelstest.PixelLinear' },
        neck: { type: 'GlobalAveragePooling' },
        head: headCfg,
        pretrained: bb,
        init_cfg: { type: 'Pretrained', checkpoint: whole, prefix: 'model' },
      },
      { path: 'model', container },
    );
    await m.initWeights();
    expect(data(m.stateDict().get('backbone.fc.weight')!.dataSync()).every((v) => v === 0.5)).toBe(true);
    expect(data(m.stateDict().get('head.fc.bias')!.dataSync())).toEqual([1, 2, 3]);
    expect(logs.join('\n')).toMatch(/model\.pretrained: loaded .*backbone\.safetensors/);
    expect(logs.join('\n')).toMatch(/missing keys in source state_dict: fc\.bias/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('a config is validated through backbone, neck, head and loss, with paths and roles', () => {
    const model = {
      type: 'ImageClassifier',
      backbone: { type: 'modelstest.PixelLinear' },
      neck: { type: 'GlobalAveragePooling', dimm: 2 },
      head: { type: 'LinearClsHead', num_classes: 3, in_channels: 4, loss: { type: 'CrossEntropyLoss', label_smooth_val: 1.5 } },
    };
    const problems = collectConfigProblems({ model }, getRootSchema()).map((p) => `${p.path}: ${p.message}`);
    expect(problems.join('\n')).toMatch(/model\.neck\.dimm: unknown key 'dimm'; did you mean 'dim'\?/);
    expect(problems.join('\n')).toMatch(/model\.head\.loss\.label_smooth_val/);
    const swapped = { ...model, neck: { type: 'LinearClsHead', num_classes: 3, in_channels: 4 }, head: { type: 'ClsHead' } };
    expect(collectConfigProblems({ model: swapped }, getRootSchema()).map((p) => `${p.path}: ${p.message}`).join('\n')).toMatch(/model\.neck\.type: expected a neck, got 'LinearClsHead' which is a head/);
  });

  it('names the child when a part is not a built component', () => {
    expect(() => new ImageClassifier({ backbone: { type: 'X' } as never }, { path: 'model' } as never)).toThrow(/model\.backbone: expected a built model component/);
  });
});

describe('timm Block', () => {
  it('keeps timm parameter names and the token shape', () => {
    const b = new Block({ dim: 8, numHeads: 2, mlpRatio: 2, qkvBias: true });
    expect([...b.stateDict().keys()]).toEqual([
      'norm1.weight', 'norm1.bias', 'attn.qkv.weight', 'attn.qkv.bias', 'attn.proj.weight', 'attn.proj.bias',
      'norm2.weight', 'norm2.bias', 'mlp.fc1.weight', 'mlp.fc1.bias', 'mlp.fc2.weight', 'mlp.fc2.bias',
    ]);
    const y = b.forward(tf.ones([2, 5, 8]));
    expect(y.shape).toEqual([2, 5, 8]);
    b.dispose();
  });
});
