import { presentBackends } from '../harness/backends';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { gatherTokens, keepCount, topPoolIndices, topPoolIndicesTensor } from '@fer-mm/apvit';

describe('top_pool keep counts (spec §3.3)', () => {
  it('truncates N·rate in double precision like Python int()', () => {
    const ex = { excludeFirst: true };
    expect(keepCount(160, { ...ex, keepRate: 1 })).toBeNull();
    expect(keepCount(160, { ...ex, keepRate: 0.9 })).toBe(144);
    expect(keepCount(144, { ...ex, keepRate: 0.9 })).toBe(129);
    expect(keepCount(129, { ...ex, keepRate: 0.9 })).toBe(116);
    expect(keepCount(116, { ...ex, keepRate: 0.9 })).toBe(104);
    expect(keepCount(196, { excludeFirst: false, keepNum: 160 })).toBe(160);
    expect(keepCount(196, { excludeFirst: false, keepNum: 196 })).toBeNull();
    expect(keepCount(3, { excludeFirst: false, keepRate: 0.1 })).toBe(1);
    expect(() => keepCount(10, { excludeFirst: false, keepNum: 11 })).toThrow(/cannot keep 11 of 10/);
  });

  it('keeps the k largest, listed in ascending index order; the lower index wins ties', () => {
    // sample 0: ties between 1,3,4 (score 5); sample 1: distinct
    const scores = [0, 5, 1, 5, 5, 2, /**/ 9, 8, 7, 6, 5, 4];
    expect(topPoolIndices(scores, 2, 6, { keepNum: 2, excludeFirst: false })).toEqual([
      [1, 3],
      [0, 1],
    ]);
    // excludeFirst: position 0 is not ranked and always comes first
    expect(topPoolIndices(scores, 2, 6, { keepNum: 3, excludeFirst: true })).toEqual([
      [0, 1, 3, 4],
      [0, 1, 2, 3],
    ]);
    expect(topPoolIndices([3, 1, 2], 1, 3, { keepRate: 1, excludeFirst: false })).toBeNull();
    expect(topPoolIndices([-1, -3, -2, -0.5], 1, 4, { keepNum: 2, excludeFirst: false })).toEqual([[0, 3]]);
  });
});

describe.each(presentBackends())('device token pooling on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  it('selects rows exactly and sends gradients only to the kept rows', () => {
    const x = tf.tensor3d(Array.from({ length: 2 * 5 * 3 }, (_, i) => i * 0.37 - 4.1), [2, 5, 3]);
    const keep = [
      [0, 2, 4],
      [1, 3, 4],
    ];
    const idx = tf.tensor2d(keep, [2, 3], 'int32') as tf.Tensor2D;
    const y = gatherTokens(x, idx);
    const xv = x.arraySync();
    expect(y.arraySync()).toEqual(keep.map((rows, b) => rows.map((r) => xv[b][r])));
    const wts = tf.tensor3d(Array.from({ length: 2 * 3 * 3 }, (_, i) => i + 1), [2, 3, 3]);
    const g = tf.grad((a: tf.Tensor) => tf.sum(tf.mul(gatherTokens(a, idx), wts)))(x);
    const gv = g.arraySync() as number[][][];
    const wv = wts.arraySync();
    for (let b = 0; b < 2; b++)
      for (let r = 0; r < 5; r++) {
        const k = keep[b].indexOf(r);
        expect(gv[b][r]).toEqual(k >= 0 ? wv[b][k] : [0, 0, 0]);
      }
    tf.dispose([x, idx, y, wts, g]);
  });

  it('topPoolIndicesTensor picks what topPoolIndices picks, ties and excludeFirst included', () => {
    const scores = [0, 5, 1, 5, 5, 2, /**/ 9, 8, 7, 6, 5, 4];
    const t = tf.tensor2d(scores, [2, 6]) as tf.Tensor2D;
    for (const cfg of [
      { keepNum: 2, excludeFirst: false },
      { keepNum: 3, excludeFirst: true },
      { keepRate: 0.5, excludeFirst: false },
    ]) {
      const idx = topPoolIndicesTensor(t, cfg)!;
      expect(idx.dtype).toBe('int32');
      expect(idx.arraySync()).toEqual(topPoolIndices(scores, 2, 6, cfg));
      idx.dispose();
    }
    expect(topPoolIndicesTensor(t, { keepRate: 1, excludeFirst: false })).toBeNull();
    t.dispose();
  });
});
