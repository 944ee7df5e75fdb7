/**
 * The eval-mode fast path (cached HWIO filters and transposed Linear weights,
 * BatchNorm folded into the preceding conv, fused conv+bias+PReLU and
 * matMul+bias) against the plain path on the tiny APViT, on cpu and wasm; and
 * that cached weights are never stale and never leak.
 */
import { presentBackends } from '../harness/backends';
import { tf } from '../../src/tf';
import { initBackend, type BackendName } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import { setFastInference } from '../../src/nn/fast-inference';
import { Conv2d } from '../../src/nn/layers/conv';
import { Linear } from '../../src/nn/layers/linear';
import { BatchNorm2d } from '../../src/nn/layers/norm';
import { PReLU } from '../../src/nn/layers/activation';
import { Sequential } from '../../src/nn/layers/container';
import '@fer-mm/apvit';
import type { PoolingVitClassifier } from '@fer-mm/apvit';
import { randomizeWeights, tinyConfig } from '../apvit/tiny';

const TOL = 1e-5;

/** Norm-wise relative error max|a - b| / max|b|. */
function relErr(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let d = 0;
  let m = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / m;
}

function run(model: PoolingVitClassifier, img: tf.Tensor4D, fast: boolean): { feat: Float32Array; scores: Float32Array } {
  setFastInference(fast);
  try {
    return tf.tidy(() => ({
      feat: model.extractFeat(img).dataSync() as Float32Array,
      scores: model.simpleTest(img).dataSync() as Float32Array,
    }));
  } finally {
    setFastInference(true);
  }
}

function cached(model: PoolingVitClassifier): number {
  let n = 0;
  for (const [, m] of model.namedModules()) if (m instanceof Conv2d || m instanceof Linear) n += m.cachedTensors;
  return n;
}

const backends: BackendName[] = presentBackends();

describe.each(backends)('fast inference path on %s', (backend) => {
  let img: tf.Tensor4D;
  beforeAll(async () => {
    await initBackend(backend);
    img = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 7) as tf.Tensor4D;
  });
  afterAll(() => img.dispose());

  it.each(['ir', 'ir_se'] as const)('equals the plain path on the tiny APViT (%s) and frees its caches', (mode) => {
    const before = tf.memory().numTensors;
    const model = MODELS.build<PoolingVitClassifier>(tinyConfig(mode));
    tf.tidy(() => randomizeWeights(model, 11)); // tidy: randomizeWeights leaves its source tensors
    model.eval();
    const plain = run(model, img, false);
    expect(cached(model)).toBe(0);
    const fast = run(model, img, true);
    // the fast path was taken: every conv and linear holds its derived weights
    expect(cached(model)).toBeGreaterThan(0);
    expect(relErr(fast.feat, plain.feat)).toBeLessThanOrEqual(TOL);
    expect(relErr(fast.scores, plain.scores)).toBeLessThanOrEqual(TOL);
    // a second call reuses the caches: no tensor is created or leaked
    const held = tf.memory().numTensors;
    run(model, img, true);
    expect(tf.memory().numTensors).toBe(held);
    model.train();
    expect(cached(model)).toBe(0);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('never serves stale weights: loadStateDict and single assigns change the output', () => {
    const before = tf.memory().numTensors;
    const model = MODELS.build<PoolingVitClassifier>(tinyConfig('ir'));
    const other = MODELS.build<PoolingVitClassifier>(tinyConfig('ir'));
    tf.tidy(() => randomizeWeights(model, 21)); // tidy: randomizeWeights leaves its source tensors
    tf.tidy(() => randomizeWeights(other, 22)); // tidy: randomizeWeights leaves its source tensors
    model.eval();
    other.eval();
    const first = run(model, img, true);
    // new weights through loadStateDict: the fast output must follow them
    model.loadStateDict(other.stateDict(), { strict: true });
    const loaded = run(model, img, true);
    const want = run(other, img, false);
    expect(relErr(first.feat, want.feat)).toBeGreaterThan(1e-2);
    expect(relErr(loaded.feat, want.feat)).toBeLessThanOrEqual(TOL);
    expect(relErr(loaded.feat, run(model, img, false).feat)).toBeLessThanOrEqual(TOL);
    // one BN statistic folded into a conv, one of a BN before a conv (cached scale and shift),
    // one Linear weight (as an optimizer step would assign them)
    const sd = model.stateDict();
    for (const key of ['extractor.body.1.0.res_layer.4.running_var', 'extractor.body.1.0.res_layer.0.running_mean', 'vit.blocks.1.mlp.fc2.weight']) {
      const v = sd.get(key)!;
      const prev = run(model, img, true);
      tf.tidy(() => v.assign(tf.mul(v, 1.5)));
      const now = run(model, img, true);
      expect(relErr(now.feat, prev.feat)).toBeGreaterThan(1e-4);
      expect(relErr(now.feat, run(model, img, false).feat)).toBeLessThanOrEqual(TOL);
    }
    model.dispose();
    other.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it.each([
    ['conv 3x3 s2 with bias -> BN -> PReLU', { inChannels: 6, outChannels: 8, kernelSize: 3, stride: 2, padding: 1, bias: true }],
    ['conv 1x1 s2 -> BN -> PReLU', { inChannels: 6, outChannels: 8, kernelSize: 1, stride: 2, bias: false }],
    ['depthwise 3x3 (multiplier 2) -> BN -> PReLU', { inChannels: 6, outChannels: 12, kernelSize: 3, padding: 1, groups: 6, bias: true }],
  ])('folds %s exactly', (_, args) => {
    const seq = new Sequential({ layers: [new Conv2d(args), new BatchNorm2d({ numFeatures: args.outChannels }), new PReLU({ numParameters: args.outChannels })] });
    tf.tidy(() => {
      let i = 0;
      for (const [, v] of seq.stateDict()) if (v.dtype === 'float32') v.assign(tf.add(tf.mul(tf.randomUniform(v.shape, -1, 1, 'float32', 40 + i++), 0.5), 1));
    });
    seq.eval();
    const x = tf.randomUniform([2, 9, 9, 6], -1, 1, 'float32', 5);
    setFastInference(false);
    const plain = tf.tidy(() => seq.forward(x).dataSync());
    setFastInference(true);
    const fast = tf.tidy(() => seq.forward(x).dataSync());
    expect((seq.layers[0] as Conv2d).cachedTensors).toBe(2);
    expect(relErr(fast, plain)).toBeLessThanOrEqual(TOL);
    x.dispose();
    seq.dispose();
  });

  it('differentiates the variables in eval mode (no cached weights under a gradient tape)', () => {
    const model = MODELS.build<PoolingVitClassifier>(tinyConfig('ir'));
    tf.tidy(() => randomizeWeights(model, 31)); // tidy: randomizeWeights leaves its source tensors
    model.eval();
    run(model, img, true); // caches filled
    const conv = model.extractor.body.at(1).layers[0] as unknown as { res_layer: { layers: Conv2d[] } };
    const w = conv.res_layer.layers[1].weight;
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(model.extractFeat(img))) as tf.Scalar, [w]);
    expect(grads[w.name]).toBeDefined();
    expect(tf.tidy(() => tf.max(tf.abs(grads[w.name])).dataSync()[0])).toBeGreaterThan(0);
    tf.dispose([value, ...Object.values(grads)]);
    model.dispose();
  });
});
