/**
 * Stochastic depth (`drop_path_rate`) and the position-embedding dropout
 * (`pos_drop_rate`) of the shared ViT layers, in both PoolingViT (APViT) and
 * MSADViT (TransFER).
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { DropPath, Identity } from '../../src/nn/layers/dropout';
import type { Module } from '../../src/nn/module';
import { stochasticDepthRates } from 'fer-mm';
import { PoolingViT } from '@fer-mm/apvit';
import { MSADViT } from '@fer-mm/transfer';
import { Rng } from '../../src/utils/rng';

beforeAll(async () => {
  await initBackend('cpu');
});

const randn = (shape: number[], seed: number) => {
  const r = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => r.normal()), shape);
};

/** Copies every parameter of `from` into `to` (same names: DropPath and Dropout own none). */
function copyWeights(from: Module, to: Module): void {
  const src = new Map(from.namedParameters());
  const dst = to.namedParameters();
  expect(dst.map(([n]) => n)).toEqual([...src.keys()]);
  for (const [n, v] of dst) v.assign(src.get(n)!);
}

interface Case {
  name: string;
  make: (extra: Record<string, unknown>) => Module & { forward(x: tf.Tensor): tf.Tensor; blocks: { length: number; at(i: number): { drop_path: DropPath | Identity } } };
  input: () => tf.Tensor;
}

const cases: Case[] = [
  {
    name: 'PoolingViT',
    // no APP/ATP: pooling picks tokens by value, which would mix the drop's effect with a selection change
    make: (extra) => new PoolingViT({ embed_dim: 16, depth: 3, num_heads: 2, mlp_ratio: 2, patch_num: 9, in_channels: [8], ...extra }) as never,
    input: () => randn([6, 3, 3, 8], 11),
  },
  {
    name: 'MSADViT',
    // MSAD off, so the only stochastic parts are the ones under test
    make: (extra) => new MSADViT({ embed_dim: 16, depth: 3, num_heads: 2, mlp_ratio: 2, patch_num: 9, head_drop_rate: 0, ...extra }) as never,
    input: () => randn([6, 9, 16], 12),
  },
];

describe.each(cases)('$name drop_path_rate / pos_drop_rate', ({ make, input }) => {
  it('are off by default: training forwards are deterministic and match eval', () => {
    const m = make({});
    const x = input();
    m.eval();
    const a = m.forward(x);
    m.train();
    const b = m.forward(x);
    const c = m.forward(x);
    // any active drop would make two training forwards differ
    expect(Array.from(c.dataSync())).toEqual(Array.from(b.dataSync()));
    // eval uses the fused Linear/Conv kernels, training the differentiable ones: equal up to float rounding
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0])).toBeLessThan(1e-5);
    for (let i = 0; i < m.blocks.length; i++) expect(m.blocks.at(i).drop_path).toBeInstanceOf(Identity);
    expect((m as unknown as { pos_drop: { p: number } }).pos_drop.p).toBe(0);
    tf.dispose([a, b, c, x]);
    m.dispose();
  });

  it('stochastic depth grows linearly over the blocks (timm linspace) and only acts in training', () => {
    const base = make({});
    const m = make({ drop_path_rate: 0.5 });
    copyWeights(base, m);
    expect(m.blocks.at(0).drop_path).toBeInstanceOf(Identity);
    expect((m.blocks.at(1).drop_path as DropPath).p).toBeCloseTo(0.25, 12);
    expect((m.blocks.at(2).drop_path as DropPath).p).toBeCloseTo(0.5, 12);
    const x = input();
    base.eval();
    m.eval();
    const ref = base.forward(x);
    const ev = m.forward(x);
    expect(Array.from(ev.dataSync())).toEqual(Array.from(ref.dataSync()));
    m.train();
    const tr = m.forward(x);
    // far beyond the ~1e-7 train/eval kernel rounding
    const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(tr, ref))).dataSync()[0]);
    expect(diff).toBeGreaterThan(1e-3);
    tf.dispose([ref, ev, tr, x]);
    base.dispose();
    m.dispose();
  });

  it('pos_drop_rate drops token entries in training only', () => {
    const base = make({});
    const m = make({ pos_drop_rate: 0.5 });
    copyWeights(base, m);
    const x = input();
    base.eval();
    m.eval();
    const ref = base.forward(x);
    const ev = m.forward(x);
    expect(Array.from(ev.dataSync())).toEqual(Array.from(ref.dataSync()));
    m.train();
    const tr = m.forward(x);
    expect(tf.tidy(() => tf.max(tf.abs(tf.sub(tr, ref))).dataSync()[0])).toBeGreaterThan(1e-3);
    tf.dispose([ref, ev, tr, x]);
    base.dispose();
    m.dispose();
  });

  it('gradients reach every parameter through the dropped paths', () => {
    const m = make({ drop_path_rate: 0.3, pos_drop_rate: 0.1 });
    m.train();
    const x = input();
    const vars = m.parameters().filter((v) => v.trainable);
    const { value, grads } = tf.variableGrads(() => tf.sum(tf.square(m.forward(x))) as tf.Scalar, vars);
    for (const v of vars) {
      const g = grads[v.name].dataSync();
      expect(g.every(Number.isFinite)).toBe(true);
      if (!/projs|cls_token|pos_embed/.test(v.name)) expect(g.some((e) => e !== 0)).toBe(true);
    }
    tf.dispose([value, x, ...Object.values(grads)]);
    m.dispose();
  });
});

describe('DropPath (timm semantics)', () => {
  it('keeps or drops whole samples, scales kept ones by 1/(1-p), and is the identity in eval', () => {
    const dp = new DropPath({ p: 0.25 });
    dp.train();
    const x = tf.ones([4000, 3, 2]);
    const y = dp.forward(x);
    const rows = (y.reshape([4000, 6]).arraySync() as number[][]);
    let kept = 0;
    for (const r of rows) {
      const vals = new Set(r.map((v) => Math.round(v * 1e5) / 1e5));
      expect(vals.size).toBe(1); // a sample is kept or dropped as a whole
      const v = [...vals][0];
      expect([0, Math.round((1 / 0.75) * 1e5) / 1e5]).toContain(v);
      if (v > 0) kept++;
    }
    expect(kept / 4000).toBeGreaterThan(0.72);
    expect(kept / 4000).toBeLessThan(0.78);
    dp.eval();
    const z = dp.forward(x);
    expect(z).toBe(x);
    tf.dispose([x, y]);
  });

  it('stochasticDepthRates is linspace(0, rate, depth)', () => {
    stochasticDepthRates(0.1, 5).forEach((r, i) => expect(r).toBeCloseTo([0, 0.025, 0.05, 0.075, 0.1][i], 12));
    expect(stochasticDepthRates(0.3, 1)).toEqual([0]);
  });
});
