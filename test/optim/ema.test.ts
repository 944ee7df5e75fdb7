import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { ExponentialMovingAverage, emaBufferName } from '../../src/utils/ema';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('ExponentialMovingAverage (mmcv EMAHook)', () => {
  it('follows ema = (1 - m) * ema + m * p with the warm-up momentum and interval', () => {
    const p = tf.variable(tf.tensor([1, 2]));
    const named: Array<[string, tf.Variable]> = [['backbone.conv.weight', p]];
    const ema = new ExponentialMovingAverage(named, { momentum: 0.5, interval: 2, warm_up: 3 });
    expect(ema.momentum).toBe(0.25); // 0.5 ** interval
    const before = tf.memory().numTensors;
    // Reference in float64: m(t) = min(0.25, (1 + t) / (3 + t)); update when t % 2 == 0.
    let ref = [1, 2];
    const values = [
      [3, 4],
      [5, 6],
      [7, 8],
      [9, 10],
      [11, 12],
    ];
    values.forEach((v, t) => {
      const t0 = tf.tensor(v);
      p.assign(t0);
      t0.dispose();
      const updated = ema.update(t);
      expect(updated).toBe(t % 2 === 0);
      if (t % 2 === 0) {
        const m = Math.min(0.25, (1 + t) / (3 + t));
        ref = ref.map((e, i) => (1 - m) * e + m * v[i]);
      }
    });
    expect(tf.memory().numTensors).toBe(before);
    // t=0: m=min(.25, 1/3)=.25 -> [1.5, 2.5]; t=2: m=.25 -> [2.875, 3.875]; t=4: m=.25 -> [4.90625, 5.90625]
    expect(ref).toEqual([4.90625, 5.90625]);
    const sd = ema.stateDict();
    expect(Object.keys(sd)).toEqual(['ema_backbone_conv_weight']);
    expect(Array.from(sd.ema_backbone_conv_weight)).toEqual(ref);
    ema.dispose();
    p.dispose();
  });

  it('uses the warm-up momentum early on', () => {
    const p = tf.variable(tf.tensor([0]));
    const ema = new ExponentialMovingAverage([['w', p]], { momentum: 0.9, warm_up: 100 });
    expect(ema.momentumAt(0)).toBeCloseTo(1 / 100, 15);
    expect(ema.momentumAt(1000)).toBe(0.9);
    p.assign(tf.tensor([1]));
    ema.update(0);
    expect(ema.stateDict().ema_w[0]).toBeCloseTo(0.01, 7);
    ema.dispose();
    p.dispose();
  });

  it('swaps parameters and EMA values, and round-trips its state', () => {
    const p = tf.variable(tf.tensor([1, 1]));
    const ema = new ExponentialMovingAverage([['a.b', p]], { momentum: 0.5, warm_up: 1 });
    p.assign(tf.tensor([3, 5]));
    ema.update(1); // m = min(0.5, 2/2) = 0.5 -> ema [2, 3]
    const before = tf.memory().numTensors;
    ema.swap();
    expect(Array.from(p.dataSync())).toEqual([2, 3]);
    expect(ema.swapped).toBe(true);
    ema.swap();
    expect(Array.from(p.dataSync())).toEqual([3, 5]);
    expect(tf.memory().numTensors).toBe(before);
    const sd = ema.stateDict();
    const ema2 = new ExponentialMovingAverage([['a.b', p]], { momentum: 0.5 });
    ema2.loadStateDict(sd);
    expect(Array.from(ema2.stateDict()[emaBufferName('a.b')])).toEqual([2, 3]);
    expect(() => ema2.loadStateDict({})).toThrow(/missing 'ema_a_b'/);
    expect(() => new ExponentialMovingAverage([['w', p]], { momentum: 1 })).toThrow(/momentum/);
    [ema, ema2].forEach((e) => e.dispose());
    p.dispose();
  });
});
