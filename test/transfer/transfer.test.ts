import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import '@fer-mm/transfer';
import { DiverseEuclidLoss, HeadDropOut, MSADAttention, TransFER } from '@fer-mm/transfer';
import { Rng } from '../../src/utils/rng';
import { tinyTransferConfig } from './tiny';

const build = (over = {}) => MODELS.build<TransFER>(tinyTransferConfig(over), { path: 'model' });
const images = (b: number, seed: number) => {
  const r = new Rng(seed);
  return tf.tensor4d(Float32Array.from({ length: b * 32 * 32 * 3 }, () => r.normal()), [b, 32, 32, 3]);
};

beforeAll(async () => {
  await initBackend('cpu');
});

describe('TransFER', () => {
  it('has the official state_dict names', () => {
    const m = build();
    const keys = [...m.stateDict().keys()];
    for (const k of [
      'extractor.input_layer.0.weight',
      'attention.las.0.LA_conv1.weight',
      'attention.las.1.bn2.running_var',
      'convert.proj.weight',
      'vit.cls_token',
      'vit.pos_embed',
      'vit.blocks.1.attn.qkv.weight',
      'vit.blocks.1.mlp.fc2.bias',
      'vit.norm.weight',
      'head.fc.bias',
    ]) {
      expect(keys).toContain(k);
    }
    expect(m.stateDict().get('vit.pos_embed')!.shape).toEqual([1, 17, 16]);
    m.dispose();
  });

  it('full-size model has the RAF shapes', () => {
    const m = MODELS.build<TransFER>(
      {
        type: 'TransFER',
        extractor: { type: 'IRSE', input_size: 112, num_layers: 50, mode: 'ir', return_index: [2] },
        attention: { type: 'MultiLANet', in_channels: 256, ratio: 16, num: 2 },
        convert: { type: 'MaxHybridFlatten', in_channels: 256, embed_dim: 768 },
        vit: { type: 'MSADViT' },
        head: { type: 'LinearClsHead', num_classes: 7, in_channels: 768 },
      },
      { path: 'model' },
    );
    const sd = m.stateDict();
    expect(sd.get('attention.las.0.LA_conv1.weight')!.shape).toEqual([16, 256, 1, 1]);
    expect(sd.get('attention.las.0.LA_conv2.weight')!.shape).toEqual([1, 16, 1, 1]);
    expect(sd.get('convert.proj.weight')!.shape).toEqual([768, 256, 1, 1]);
    expect(sd.get('vit.pos_embed')!.shape).toEqual([1, 197, 768]);
    expect(sd.get('vit.blocks.7.attn.qkv.weight')!.shape).toEqual([2304, 768]);
    expect(sd.has('vit.blocks.8.norm1.weight')).toBe(false);
    m.dispose();
  });

  it('eval is deterministic and gives softmax scores; no tensor leaks', () => {
    const m = build();
    m.eval();
    const x = images(2, 1);
    const a = m.simpleTest(x);
    const before = tf.memory().numTensors;
    const b = m.simpleTest(x);
    expect(tf.memory().numTensors).toBe(before + 1);
    expect(Array.from(b.dataSync())).toEqual(Array.from(a.dataSync()));
    const sums = tf.sum(a, 1).dataSync();
    for (const s of sums) expect(s).toBeCloseTo(1, 5);
    tf.dispose([a, b, x]);
    m.dispose();
  });

  it('MAD drops maps only in training, at the configured rate', () => {
    const m = build({ drop_rate: 0.6 });
    const f = tf.randomUniform([64, 4, 4, 16]);
    const maps = [tf.randomUniform([64, 4, 4, 1]), tf.randomUniform([64, 4, 4, 1])];
    m.convert.train();
    let dropped = 0;
    for (let t = 0; t < 20; t++) {
      const { tokens, fused } = m.convert.forward(f, maps);
      dropped += m.convert.lastDropped.filter((d) => d.length > 0).length;
      tf.dispose([tokens, fused]);
    }
    expect(dropped / (20 * 64)).toBeGreaterThan(0.53);
    expect(dropped / (20 * 64)).toBeLessThan(0.67);
    // a sample that dropped map k fuses only the other map
    const { fused } = m.convert.forward(f, maps);
    const fz = fused.arraySync() as number[][][][];
    const m0 = maps[0].arraySync() as number[][][][];
    const m1 = maps[1].arraySync() as number[][][][];
    m.convert.lastDropped.forEach((d, i) => {
      const expected = d.length === 0 ? Math.max(m0[i][0][0][0], m1[i][0][0][0]) : d[0] === 0 ? m1[i][0][0][0] : m0[i][0][0][0];
      expect(fz[i][0][0][0]).toBeCloseTo(expected, 6);
    });
    m.convert.eval();
    const e = m.convert.forward(f, maps);
    expect(m.convert.lastDropped).toEqual([]);
    const ez = e.fused.dataSync();
    const mx = tf.maximum(maps[0], maps[1]).dataSync();
    expect(Array.from(ez)).toEqual(Array.from(mx));
    tf.dispose([f, ...maps, fused, e.tokens, e.fused]);
    m.dispose();
  });

  it('MSAD: a dropped head contributes nothing; rates over many draws; literal mode drops tokens', () => {
    const rng = new Rng(3);
    const attn = new MSADAttention({ dim: 16, numHeads: 4, qkvBias: false, qkScale: null, attnDrop: 0, projDrop: 0, headDrop: { p: 1, upper: 1, literalTokenDrop: false, rng } });
    attn.train();
    const x = tf.randomNormal([3, 5, 16]);
    // with the head dropped, the attention output before proj is zero in that head's 4 columns
    const qkvDropped = attn.head_drop.forward(attn.qkv.forward(x).reshape([3, 5, 3, 4, 4]));
    const dropped = attn.head_drop.lastDropped;
    const arr = qkvDropped.arraySync() as number[][][][][];
    dropped.forEach((heads, b) => {
      expect(heads.length).toBe(1);
      for (let n = 0; n < 5; n++) for (let s = 0; s < 3; s++) for (const v of arr[b][n][s][heads[0]]) expect(Math.abs(v)).toBe(0);
    });
    const [q, k, v] = tf.unstack(qkvDropped.transpose([2, 0, 3, 1, 4]), 0);
    const o = tf.matMul(tf.softmax(tf.mul(tf.matMul(q, k, false, true), 0.5), -1), v).arraySync() as number[][][][];
    dropped.forEach((heads, b) => {
      for (const row of o[b][heads[0]]) for (const val of row) expect(Math.abs(val)).toBe(0);
    });

    const hd = new HeadDropOut({ p: 0.3, upper: 1, literalTokenDrop: false, rng: new Rng(9) });
    hd.train();
    const t = tf.ones([50, 7, 3, 4, 2]);
    let n = 0;
    for (let i = 0; i < 40; i++) {
      tf.dispose(hd.forward(t));
      n += hd.lastDropped.filter((d) => d.length).length;
    }
    expect(n / 2000).toBeGreaterThan(0.26);
    expect(n / 2000).toBeLessThan(0.34);
    hd.eval();
    expect(hd.forward(t)).toBe(t);

    const lit = new HeadDropOut({ p: 1, upper: 1, literalTokenDrop: true, rng: new Rng(4) });
    lit.train();
    const out = lit.forward(t).arraySync() as number[][][][][];
    lit.lastDropped.forEach((tok, b) => {
      expect(tok[0]).toBeLessThan(4);
      for (let nn = 0; nn < 7; nn++) expect(out[b][nn][0][0][0]).toBe(nn === tok[0] ? 0 : 1);
    });
    tf.dispose([x, qkvDropped, q, k, v, t]);
    attn.dispose();
  });

  it('diversity loss matches hand-computed values', () => {
    // two 2x2 maps per sample, B = 2
    const a = tf.tensor4d([0, 0, 0, 0, 1, 1, 1, 1], [2, 2, 2, 1]);
    const b = tf.tensor4d([1, 1, 1, 1, 1, 1, 1, 1], [2, 2, 2, 1]);
    const c = tf.tensor4d([0, 0, 0, 0, 0, 0, 0, 0], [2, 2, 2, 1]);
    const loss = new DiverseEuclidLoss({ loss_margin: 1, loss_weight: 0.5 });
    // pair (a,b): sample0 dist = 2/4 = 0.5 → 0.5; sample1 dist 0 → 1. Σ=1.5, /2/B = 0.375
    // pair (a,c): sample0 0 → 1; sample1 dist 2/4 → 0.5. → 0.375
    // pair (b,c): both dist 0.5 → 0.5+0.5 = 1 → 0.25
    const expected = (0.5 * (0.375 + 0.375 + 0.25)) / 3;
    expect(loss.forward([a, b, c]).dataSync()[0]).toBeCloseTo(expected, 5);
    expect(new DiverseEuclidLoss({ loss_margin: 0.1, loss_weight: 1 }).forward([a, b]).dataSync()[0]).toBeCloseTo((0 + 0.1) / 4, 5);
    tf.dispose([a, b, c]);
  });

  it('a training step reduces the loss', () => {
    const m = build();
    m.train();
    const x = images(4, 5);
    const y = tf.tensor1d([0, 3, 5, 6], "int32");
    const vars = m.parameters();
    const lossOf = () => {
      const l = m.forwardTrain(x, y);
      return tf.addN(Object.entries(l).filter(([k]) => k.includes('loss')).map(([, v]) => v)) as tf.Scalar;
    };
    // disable the stochastic parts so the comparison is about the step only
    m.convert.args.drop_rate = 0;
    for (const blk of m.vit.blocks) blk.attn.head_drop.cfg.p = 0;
    const first = tf.tidy(() => lossOf().dataSync()[0]);
    for (let i = 0; i < 2; i++) {
      const { grads, value } = tf.variableGrads(lossOf, vars);
      for (const v of vars) tf.tidy(() => v.assign(tf.sub(v, tf.mul(grads[v.name], 0.05))));
      tf.dispose([value, ...Object.values(grads)]);
    }
    const last = tf.tidy(() => lossOf().dataSync()[0]);
    expect(last).toBeLessThan(first);
    tf.dispose([x, y]);
    m.dispose();
  });
});
