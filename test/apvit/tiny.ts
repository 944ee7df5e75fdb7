/** Tiny APViT configs for tests: same structure as configs/apvit/RAF.ts, 32×32 input, 16 tokens. */
import { tf } from '../../src/tf';
import { Rng } from '../../src/utils/rng';
import type { Module } from '../../src/nn/module';
import type { PoolingVitClassifier } from '@fer-mm/apvit';
import { referenceForward, toT64, type Weights } from './reference';

export const TINY_UNITS = [1, 2, 1];

export function tinyConfig(mode: 'ir' | 'ir_se' = 'ir') {
  const widths = mode === 'ir_se' ? [16, 16, 32] : [4, 8, 8];
  return {
    type: 'PoolingVitClassifier',
    extractor: { type: 'IRSE', input_size: 112, num_layers: 50, mode, return_index: [2], units: TINY_UNITS, widths },
    vit: {
      type: 'PoolingViT',
      embed_dim: 16,
      depth: 3,
      num_heads: 2,
      mlp_ratio: 2,
      qkv_bias: false,
      norm_layer_eps: 1e-6,
      patch_num: 16,
      in_channels: [widths[2]],
      attn_method: 'SUM_ABS_1',
      cnn_pool_config: { keep_num: 12, exclude_first: false },
      vit_pool_configs: { keep_rates: [1, 0.9, 0.75], exclude_first: true, attn_method: 'SUM' },
    },
    head: { type: 'LinearClsHead', num_classes: 7, in_channels: 16 },
  };
}

/** Overwrites every parameter and buffer with seeded random values of a sane scale (head included, BN stats too). */
export function randomizeWeights(m: Module, seed: number): void {
  const rng = new Rng(seed);
  for (const [k, v] of m.stateDict()) {
    if (v.dtype !== 'float32') continue;
    const n = v.size;
    const d = new Float32Array(n);
    const fanIn = v.shape.length >= 2 ? v.shape.slice(1).reduce((a, b) => a * b, 1) : 1;
    const u = (lo: number, hi: number) => rng.uniform(lo, hi);
    for (let i = 0; i < n; i++) {
      if (k.endsWith('running_var')) d[i] = u(0.5, 1.5);
      else if (k.endsWith('running_mean')) d[i] = u(-0.3, 0.3);
      else if (/(input_layer\.1|res_layer\.[04]|shortcut_layer\.1|norm\d?)\.weight$/.test(k)) d[i] = u(0.6, 1.4);
      else if (/\.(input_layer\.2|res_layer\.2)\.weight$/.test(k) || k.endsWith('input_layer.2.weight')) d[i] = u(0, 0.5);
      else if (k.endsWith('bias')) d[i] = u(-0.2, 0.2);
      else if (v.shape.length >= 2 && !k.includes('pos_embed') && !k.includes('cls_token')) d[i] = u(-1, 1) * Math.sqrt(3 / fanIn);
      else d[i] = u(-0.5, 0.5);
    }
    v.assign(tf.tensor(d, v.shape));
  }
}

/**
 * Runs the eval model of `tinyConfig(mode)` on 3 seeded 32×32 images and the
 * float64 reference forward with `weights`; returns both traces, the
 * reference's probabilities and the largest softmax difference.
 */
export function tinyForwardVsReference(model: PoolingVitClassifier, weights: Weights, mode: 'ir' | 'ir_se', seed: number) {
  const [b, h] = [3, 32];
  const rng = new Rng(seed);
  const imgData = Float32Array.from({ length: b * h * h * 3 }, () => rng.uniform(-2, 2));
  const img = tf.tensor4d(imgData, [b, h, h, 3]);
  const probs = model.simpleTest(img);
  const got = probs.dataSync();
  const trace = model.vit.lastTrace;
  tf.dispose([img, probs]);
  const ref = referenceForward(toT64([b, h, h, 3], imgData), weights, {
    units: TINY_UNITS,
    se: mode === 'ir_se',
    numHeads: 2,
    lnEps: 1e-6,
    appKeep: 12,
    keepRates: [1, 0.9, 0.75],
  });
  let worst = 0;
  ref.probs.flat().forEach((p, i) => (worst = Math.max(worst, Math.abs(p - got[i]))));
  return { trace, ref, worst };
}
