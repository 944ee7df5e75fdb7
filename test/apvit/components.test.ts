import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import '@fer-mm/apvit';
import { CrossEntropyLoss, LinearClsHead } from 'fer-mm';
import { IRSE, PoolingViT } from '@fer-mm/apvit';

describe('APViT components', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('registers every component in MODELS with its role', () => {
    const roles = Object.fromEntries(['IRSE', 'PoolingViT', 'LinearClsHead', 'CrossEntropyLoss', 'PoolingVitClassifier'].map((n) => [n, MODELS.get(n)?.role]));
    expect(roles).toEqual({ IRSE: 'backbone', PoolingViT: 'backbone', LinearClsHead: 'head', CrossEntropyLoss: 'loss', PoolingVitClassifier: 'classifier' });
  });

  it.each([
    [50, [3, 4, 14, 3]],
    [100, [3, 13, 30, 3]],
    [152, [3, 8, 36, 3]],
  ])('IRSE num_layers %d builds stages of %j units', (numLayers, units) => {
    const m = new IRSE({ num_layers: numLayers as 50, return_index: [3], widths: [2, 2, 2, 2] });
    expect(m.body.items.map((s) => s.layers.length)).toEqual(units);
    m.dispose();
  });

  it("IRSE 'ir_se' adds the SE module as res_layer.5 (fc1/fc2 1x1 convs without bias)", () => {
    const m = new IRSE({ mode: 'ir_se', return_index: [1], units: [1, 1], widths: [32, 64] });
    const keys = [...m.stateDict().keys()].filter((k) => k.includes('res_layer.5'));
    expect(keys).toEqual(['body.0.0.res_layer.5.fc1.weight', 'body.0.0.res_layer.5.fc2.weight', 'body.1.0.res_layer.5.fc1.weight', 'body.1.0.res_layer.5.fc2.weight']);
    expect(m.stateDict().get('body.1.0.res_layer.5.fc1.weight')!.shape).toEqual([4, 64, 1, 1]);
    const y = m.forward(tf.ones([1, 16, 16, 3]));
    expect(y.map((t) => t.shape)).toEqual([[1, 4, 4, 64]]);
    tf.dispose(y);
    m.dispose();
  });

  it('IRSE rejects an input_size other than 112/224 for the official depths', () => {
    expect(() => MODELS.build({ type: 'IRSE', input_size: 96, num_layers: 50 }, { path: 'model.extractor' })).toThrow(/model\.extractor\.input_size: must be 112 or 224/);
  });

  it('PoolingViT logs unused img_size/patch_size and names bad settings', () => {
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const base = { embed_dim: 8, depth: 2, num_heads: 2, patch_num: 4, in_channels: [4] };
    const v = MODELS.build<PoolingViT>({ type: 'PoolingViT', ...base, img_size: 112, patch_size: 16 }, { path: 'model.vit' });
    expect(warn.mock.calls.flat().join(' ')).toMatch(/model\.vit: Unused kwargs: img_size, patch_size/);
    warn.mockRestore();
    expect(() => v.forward([tf.ones([1, 3, 3, 4])])).toThrow(/gives 9 tokens but patch_num is 4/);
    v.dispose();
    expect(() => MODELS.build({ type: 'PoolingViT', ...base, vit_pool_configs: { keep_rates: [1], exclude_first: true, attn_method: 'SUM' } }, { path: 'model.vit' })).toThrow(
      /model\.vit\.vit_pool_configs\.keep_rates: needs one rate per block \(2\), got 1/,
    );
    expect(() => MODELS.build({ type: 'PoolingViT', ...base, embed_dim: 9 }, { path: 'model.vit' })).toThrow(/not divisible by num_heads/);
  });

  it('LinearClsHead starts at zero and reports ce_loss and accuracy.top-k in percent', () => {
    const h = new LinearClsHead({ num_classes: 3, in_channels: 2, topk: [1, 2] });
    expect(Array.from(h.fc.weight.dataSync())).toEqual([0, 0, 0, 0, 0, 0]);
    h.fc.weight.assign(tf.tensor2d([1, 0, 0, 1, -1, -1], [3, 2]));
    const x = tf.tensor2d([2, 0, 0, 2, 1, 1, -1, -1], [4, 2]);
    const y = tf.tensor1d([0, 1, 0, 2], 'int32');
    const out = h.forwardTrain(x, y);
    expect(Object.keys(out).sort()).toEqual(['accuracy.top-1', 'accuracy.top-2', 'ce_loss']);
    // logits: [2,0,-2], [0,2,-2], [1,1,-2] (tie: class 0 wins), [-1,-1,2]
    expect(out['accuracy.top-1'].dataSync()[0]).toBeCloseTo(100, 5);
    const ce = (l: number[], t: number) => Math.log(l.reduce((a, v) => a + Math.exp(v), 0)) - l[t];
    const want = (ce([2, 0, -2], 0) + ce([0, 2, -2], 1) + ce([1, 1, -2], 0) + ce([-1, -1, 2], 2)) / 4;
    expect(out.ce_loss.dataSync()[0]).toBeCloseTo(want, 5);
    const p = h.simpleTest(x);
    expect(p.sum(1).dataSync()[0]).toBeCloseTo(1, 6);
    tf.dispose([x, y, out, p]);
    h.dispose();
  });

  it('CrossEntropyLoss applies loss_weight and torch-style label smoothing', () => {
    const logits = tf.tensor2d([1, 2, 3, 0, 0, 0], [2, 3]);
    const labels = tf.tensor1d([2, 0], 'int32');
    const lse = (l: number[]) => Math.log(l.reduce((a, v) => a + Math.exp(v), 0));
    const rows = [[1, 2, 3], [0, 0, 0]];
    const eps = 0.1;
    const smooth = rows.map((l, i) => {
      const t = [2, 0][i];
      return l.reduce((a, v, c) => a + ((c === t ? 1 - eps : 0) + eps / 3) * (lse(l) - v), 0);
    });
    const l1 = new CrossEntropyLoss({ loss_weight: 2 }).forward(logits, labels);
    const l2 = new CrossEntropyLoss({ label_smoothing: eps }).forward(logits, labels);
    expect(l1.dataSync()[0]).toBeCloseTo((2 * (lse(rows[0]) - 3 + lse(rows[1]) - 0)) / 2, 5);
    expect(l2.dataSync()[0]).toBeCloseTo((smooth[0] + smooth[1]) / 2, 5);
    tf.dispose([logits, labels, l1, l2]);
  });
});
