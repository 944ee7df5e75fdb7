import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { Rng } from '../../src/utils/rng';
import {
  BatchNorm2d,
  Conv2d,
  Linear,
  Module,
  ModuleList,
  PReLU,
  Sequential,
  StateDictError,
  kaimingUniform,
  setInitSeed,
  truncNormal,
  xavierUniform,
  type TensorDataLike,
} from '../../src/nn';

class Block extends Module {
  readonly scale: tf.Variable;
  readonly body: Sequential;
  readonly extra: ModuleList<Linear>;
  constructor() {
    super();
    this.scale = this.registerParameter('scale', tf.ones([2]));
    this.registerBuffer('count', tf.scalar(0, 'int32'));
    this.body = this.registerModule('body', new Sequential({ layers: [new Conv2d({ inChannels: 2, outChannels: 3, kernelSize: 3, padding: 1, bias: false }), new BatchNorm2d({ numFeatures: 3 }), new PReLU({ numParameters: 3 })] }));
    this.extra = this.registerModule('extra', new ModuleList({ modules: [new Linear({ inFeatures: 3, outFeatures: 2 })] }));
  }
}

describe('Module', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('names parameters and buffers in torch order (own params, own buffers, children)', () => {
    const m = new Block();
    expect([...m.stateDict().keys()]).toEqual([
      'scale',
      'count',
      'body.0.weight',
      'body.1.weight',
      'body.1.bias',
      'body.1.running_mean',
      'body.1.running_var',
      'body.1.num_batches_tracked',
      'body.2.weight',
      'extra.0.weight',
      'extra.0.bias',
    ]);
    expect(m.namedParameters().map(([n]) => n)).toEqual(['scale', 'body.0.weight', 'body.1.weight', 'body.1.bias', 'body.2.weight', 'extra.0.weight', 'extra.0.bias']);
    expect(m.namedBuffers('net').map(([n]) => n)).toEqual(['net.count', 'net.body.1.running_mean', 'net.body.1.running_var', 'net.body.1.num_batches_tracked']);
    expect(m.namedParameters().every(([, v]) => v.trainable)).toBe(true);
    expect(m.namedBuffers().every(([, v]) => !v.trainable)).toBe(true);
    expect(m.namedModules().map(([n]) => n)).toEqual(['', 'body', 'body.0', 'body.1', 'body.2', 'extra', 'extra.0']);
    expect(() => m.registerModule('body', new Linear({ inFeatures: 1, outFeatures: 1 }))).toThrow(/already registered/);
    expect(() => m.registerParameter('a.b', tf.zeros([1]))).toThrow(/contain no '\.'/);
    m.dispose();
  });

  it('train()/eval() are recursive', () => {
    const m = new Block();
    expect(m.body.layers[1].training).toBe(true);
    m.eval();
    expect(m.namedModules().every(([, x]) => !x.training)).toBe(true);
    m.train();
    expect(m.namedModules().every(([, x]) => x.training)).toBe(true);
    m.dispose();
  });

  it('loadStateDict loads values and reports missing, unexpected and mis-shaped keys', () => {
    const m = new Block();
    const sd = new Map<string, TensorDataLike | tf.Tensor>();
    sd.set('scale', { dtype: 'float64', shape: [2], data: new Float64Array([3, 4]) });
    sd.set('count', { dtype: 'int64', shape: [], data: new BigInt64Array([7n]) });
    sd.set('body.2.weight', { dtype: 'float16', shape: [3], data: new Uint16Array([0x3c00, 0xc000, 0x3800]) }); // 1, -2, 0.5
    sd.set('extra.0.bias', tf.tensor([9, 8]));
    sd.set('extra.0.weight', { dtype: 'float32', shape: [3, 2], data: new Float32Array(6) });
    sd.set('head.fc.weight', { dtype: 'float32', shape: [1], data: new Float32Array(1) });
    const r = m.loadStateDict(sd);
    expect(r.unexpected).toEqual(['head.fc.weight']);
    expect(r.shapeMismatch).toEqual([{ key: 'extra.0.weight', expected: [2, 3], got: [3, 2] }]);
    expect(r.missing).toEqual(['body.0.weight', 'body.1.weight', 'body.1.bias', 'body.1.running_mean', 'body.1.running_var', 'body.1.num_batches_tracked']);
    const st = m.stateDict();
    expect(Array.from(st.get('scale')!.dataSync())).toEqual([3, 4]);
    expect(st.get('count')!.dtype).toBe('int32');
    expect(st.get('count')!.dataSync()[0]).toBe(7);
    expect(Array.from(st.get('body.2.weight')!.dataSync())).toEqual([1, -2, 0.5]);
    expect(Array.from(st.get('extra.0.bias')!.dataSync())).toEqual([9, 8]);
    expect(() => m.loadStateDict(sd, { strict: true })).toThrow(StateDictError);
    tf.dispose(sd.get('extra.0.bias') as tf.Tensor);
    m.dispose();
  });

  it('round-trips its own state dict into a fresh module', () => {
    const a = new Block();
    const b = new Block();
    const r = b.loadStateDict(a.stateDict(), { strict: true });
    expect(r).toEqual({ missing: [], unexpected: [], shapeMismatch: [] });
    for (const [k, v] of a.stateDict()) expect(Array.from(b.stateDict().get(k)!.dataSync())).toEqual(Array.from(v.dataSync()));
    a.dispose();
    b.dispose();
  });

  it('dispose releases every variable', () => {
    const before = tf.memory().numTensors;
    const m = new Block();
    expect(tf.memory().numTensors).toBe(before + m.stateDict().size);
    m.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('init', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('xavier / kaiming(a=√5) bounds follow torch fan-in/fan-out', () => {
    const shape = [16, 8, 3, 3];
    const xb = Math.sqrt(6 / (8 * 9 + 16 * 9));
    const kb = 1 / Math.sqrt(8 * 9);
    const x = xavierUniform(shape, new Rng(1));
    const k = kaimingUniform(shape, new Rng(1));
    const xv = x.dataSync();
    const kv = k.dataSync();
    expect(Math.max(...xv.map(Math.abs))).toBeLessThanOrEqual(xb);
    expect(Math.max(...xv.map(Math.abs))).toBeGreaterThan(0.95 * xb);
    expect(Math.max(...kv.map(Math.abs))).toBeLessThanOrEqual(kb);
    expect(Math.max(...kv.map(Math.abs))).toBeGreaterThan(0.95 * kb);
    tf.dispose([x, k]);
  });

  it('trunc_normal stays inside its bounds with the requested std', () => {
    const t = truncNormal([20000], 0.5, new Rng(3), 0, -1, 1);
    const v = t.dataSync();
    expect(Math.max(...v)).toBeLessThanOrEqual(1);
    expect(Math.min(...v)).toBeGreaterThanOrEqual(-1);
    const std = Math.sqrt(Array.from(v).reduce((a: number, b: number) => a + b * b, 0) / v.length);
    // std of N(0, 0.5) truncated at ±2σ is 0.5·0.8796
    expect(std).toBeGreaterThan(0.43);
    expect(std).toBeLessThan(0.45);
    t.dispose();
  });

  it('setInitSeed makes construction deterministic', () => {
    setInitSeed(5);
    const a = new Linear({ inFeatures: 4, outFeatures: 3 });
    setInitSeed(5);
    const b = new Linear({ inFeatures: 4, outFeatures: 3 });
    expect(Array.from(a.weight.dataSync())).toEqual(Array.from(b.weight.dataSync()));
    const c = new Linear({ inFeatures: 4, outFeatures: 3 });
    expect(Array.from(a.weight.dataSync())).not.toEqual(Array.from(c.weight.dataSync()));
    [a, b, c].forEach((m) => m.dispose());
  });
});
