/**
 * Optimizers against PyTorch's update formulas, re-implemented here in float64
 * (torch.optim.SGD / Adam / AdamW single-tensor code paths).
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { buildOptimizer, SGD, Adam, type Optimizer, type OptimizerCfg } from '../../src/optim';

type Arr = number[];

/** Deterministic parameter values and per-step gradients. */
const SHAPES: Record<string, number[]> = { 'layer.weight': [2, 3], 'layer.bias': [3], 'head.fc.weight': [4] };
function initValues(name: string): Arr {
  const n = SHAPES[name].reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => Math.sin(1.3 * i + name.length) * 0.8);
}
function gradValues(name: string, step: number): Arr {
  const n = SHAPES[name].reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) => Math.cos(0.7 * i + 1.1 * step + name.length) * (1 + 0.3 * step));
}

function makeParams(order = Object.keys(SHAPES)): Array<[string, tf.Variable]> {
  return order.map((n) => [n, tf.variable(tf.tensor(initValues(n), SHAPES[n]), true)]);
}
function readParams(params: Array<[string, tf.Variable]>): Record<string, Float32Array> {
  return Object.fromEntries(params.map(([n, p]) => [n, p.dataSync() as Float32Array]));
}
function runSteps(opt: Optimizer, steps: number[]): void {
  for (const s of steps) {
    const grads: Record<string, tf.Tensor> = {};
    for (const n of Object.keys(SHAPES)) grads[n] = tf.tensor(gradValues(n, s), SHAPES[n]);
    opt.step(grads);
    Object.values(grads).forEach((g) => g.dispose());
  }
}
function expectClose(actual: Float32Array, expected: Arr, tol = 2e-6): void {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < expected.length; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (err > tol * Math.max(1, Math.abs(expected[i]))) throw new Error(`index ${i}: got ${actual[i]}, expected ${expected[i]} (err ${err})`);
  }
}

// ---- float64 references (torch formulas) ----
interface SgdHp { lr: number; momentum?: number; dampening?: number; wd?: number; nesterov?: boolean }
function refSgd(p0: Arr, grads: Arr[], hp: SgdHp, lrs?: number[]): Arr {
  const { momentum = 0, dampening = 0, wd = 0, nesterov = false } = hp;
  const p = [...p0];
  let buf: Arr | null = null;
  grads.forEach((g0, t) => {
    const lr = lrs ? lrs[t] : hp.lr;
    let d = g0.map((g, i) => g + wd * p[i]);
    if (momentum !== 0) {
      if (buf === null) buf = [...d];
      else buf = buf.map((b, i) => momentum * b + (1 - dampening) * d[i]);
      const bb = buf;
      d = nesterov ? d.map((x, i) => x + momentum * bb[i]) : [...bb];
    }
    for (let i = 0; i < p.length; i++) p[i] -= lr * d[i];
  });
  return p;
}
interface AdamHp { lr: number; b1?: number; b2?: number; eps?: number; wd?: number; amsgrad?: boolean; decoupled?: boolean }
function refAdam(p0: Arr, grads: Arr[], hp: AdamHp): Arr {
  const { lr, b1 = 0.9, b2 = 0.999, eps = 1e-8, wd = 0, amsgrad = false, decoupled = false } = hp;
  const p = [...p0];
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  const vmax = p.map(() => 0);
  grads.forEach((g0, t0) => {
    const t = t0 + 1;
    let g = [...g0];
    if (decoupled) for (let i = 0; i < p.length; i++) p[i] *= 1 - lr * wd;
    else g = g.map((x, i) => x + wd * p[i]);
    for (let i = 0; i < p.length; i++) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      vmax[i] = Math.max(vmax[i], v[i]);
      const bc1 = 1 - b1 ** t;
      const bc2 = 1 - b2 ** t;
      const denom = Math.sqrt(amsgrad ? vmax[i] : v[i]) / Math.sqrt(bc2) + eps;
      p[i] -= (lr / bc1) * (m[i] / denom);
    }
  });
  return p;
}

const STEPS = [0, 1, 2, 3, 4];

beforeAll(async () => {
  await initBackend('cpu');
});

describe('SGD matches torch.optim.SGD', () => {
  const cases: Array<[string, Record<string, unknown>, SgdHp]> = [
    ['plain', { lr: 0.1 }, { lr: 0.1 }],
    ['APViT: momentum 0.9, wd 5e-4', { lr: 1e-3, momentum: 0.9, weight_decay: 5e-4 }, { lr: 1e-3, momentum: 0.9, wd: 5e-4 }],
    ['dampening 0.3 + wd', { lr: 0.05, momentum: 0.8, dampening: 0.3, weight_decay: 0.01 }, { lr: 0.05, momentum: 0.8, dampening: 0.3, wd: 0.01 }],
    ['nesterov', { lr: 0.05, momentum: 0.9, nesterov: true, weight_decay: 1e-3 }, { lr: 0.05, momentum: 0.9, nesterov: true, wd: 1e-3 }],
  ];
  it.each(cases)('%s', (_label, cfg, hp) => {
    const params = makeParams();
    const opt = buildOptimizer(params, { type: 'SGD', ...cfg } as OptimizerCfg);
    expect(opt).toBeInstanceOf(SGD);
    runSteps(opt, STEPS);
    const got = readParams(params);
    for (const n of Object.keys(SHAPES)) {
      expectClose(got[n], refSgd(initValues(n), STEPS.map((s) => gradValues(n, s)), hp));
    }
    opt.dispose();
    params.forEach(([, p]) => p.dispose());
  });

  it('follows setLr between steps and keeps the tensor count flat', () => {
    const params = makeParams();
    const opt = buildOptimizer(params, { type: 'SGD', lr: 0.1, momentum: 0.9, weight_decay: 1e-2 });
    runSteps(opt, [0]);
    const before = tf.memory().numTensors;
    const lrs = [0.1, 0.05, 0.02, 0.3];
    for (let i = 1; i < lrs.length; i++) {
      opt.setLr([lrs[i]]);
      runSteps(opt, [i]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(opt.getLr()).toEqual([0.3]);
    expect(opt.getInitialLr()).toEqual([0.1]);
    const got = readParams(params);
    for (const n of Object.keys(SHAPES)) {
      expectClose(got[n], refSgd(initValues(n), [0, 1, 2, 3].map((s) => gradValues(n, s)), { lr: 0, momentum: 0.9, wd: 1e-2 }, lrs));
    }
    opt.dispose();
    params.forEach(([, p]) => p.dispose());
  });

  it('skips parameters without a gradient (torch: grad is None)', () => {
    const params = makeParams();
    const opt = buildOptimizer(params, { type: 'SGD', lr: 0.1, momentum: 0.9 });
    const g = tf.tensor(gradValues('layer.bias', 0), [3]);
    opt.step({ 'layer.bias': g });
    g.dispose();
    const got = readParams(params);
    expectClose(got['layer.weight'], initValues('layer.weight'), 1e-7);
    expectClose(got['layer.bias'], refSgd(initValues('layer.bias'), [gradValues('layer.bias', 0)], { lr: 0.1, momentum: 0.9 }));
    expect(Object.keys(opt.stateDict().state)).toEqual(['layer.bias']);
    const stray = tf.zeros([3]);
    expect(() => opt.step({ '17': stray })).toThrow(/unknown parameter '17'.*parameter name, e\.g\. 'layer\.weight'/);
    expect(() => opt.step({ 'layer.weight': stray })).toThrow(/'layer\.weight' has shape \[3\] but the parameter has \[2,3\]/);
    stray.dispose();
    opt.dispose();
    params.forEach(([, p]) => p.dispose());
  });

  it('rejects bad hyper-parameters with the config path', () => {
    const params = makeParams();
    expect(() => buildOptimizer(params, { type: 'SGD', lr: 0.1, nesterov: true })).toThrow(/nesterov/);
    expect(() => buildOptimizer(params, { type: 'SGD', lr: 0.1, momentun: 0.9 })).toThrow(/optimizer.*momentun|momentun/);
    expect(() => buildOptimizer(params, { type: 'SGD', lr: 0.1, momentum: 'x' })).toThrow(/optimizer\.momentum/);
    expect(() => buildOptimizer(params, { type: 'Sgd', lr: 0.1 })).toThrow(/optimizer\.type.*Sgd/);
    params.forEach(([, p]) => p.dispose());
  });
});

describe('Adam / AdamW match torch', () => {
  const cases: Array<[string, Record<string, unknown>, AdamHp]> = [
    ['Adam', { type: 'Adam', lr: 0.01 }, { lr: 0.01 }],
    ['Adam + L2 + custom betas', { type: 'Adam', lr: 0.02, betas: [0.8, 0.99], eps: 1e-6, weight_decay: 0.05 }, { lr: 0.02, b1: 0.8, b2: 0.99, eps: 1e-6, wd: 0.05 }],
    ['Adam amsgrad', { type: 'Adam', lr: 0.01, amsgrad: true, weight_decay: 0.01 }, { lr: 0.01, amsgrad: true, wd: 0.01 }],
    ['AdamW', { type: 'AdamW', lr: 0.01, weight_decay: 0.1 }, { lr: 0.01, wd: 0.1, decoupled: true }],
    ['AdamW default wd 0.01 + amsgrad', { type: 'AdamW', lr: 0.01, amsgrad: true }, { lr: 0.01, wd: 0.01, decoupled: true, amsgrad: true }],
  ];
  it.each(cases)('%s', (_label, cfg, hp) => {
    const params = makeParams();
    const opt = buildOptimizer(params, cfg as OptimizerCfg);
    runSteps(opt, STEPS);
    const got = readParams(params);
    for (const n of Object.keys(SHAPES)) {
      expectClose(got[n], refAdam(initValues(n), STEPS.map((s) => gradValues(n, s)), hp), 1e-5);
    }
    const st = opt.stateDict().state['layer.weight'];
    expect(st.step).toBe(STEPS.length);
    expect(st.exp_avg).toBeInstanceOf(Float32Array);
    expect('max_exp_avg_sq' in st).toBe(Boolean(hp.amsgrad));
    opt.dispose();
    params.forEach(([, p]) => p.dispose());
  });

  it('Adam without weight decay equals AdamW without weight decay', () => {
    const a = makeParams();
    const b = makeParams();
    const oa = buildOptimizer(a, { type: 'Adam', lr: 0.01 });
    const ob = buildOptimizer(b, { type: 'AdamW', lr: 0.01, weight_decay: 0 });
    runSteps(oa, STEPS);
    runSteps(ob, STEPS);
    const ga = readParams(a);
    const gb = readParams(b);
    for (const n of Object.keys(SHAPES)) expectClose(ga[n], Array.from(gb[n]), 1e-7);
    [oa, ob].forEach((o) => o.dispose());
    [...a, ...b].forEach(([, p]) => p.dispose());
  });
});

describe('parameter groups', () => {
  it('gives each group its own lr and weight decay', () => {
    const params = makeParams();
    const opt = buildOptimizer(params, {
      type: 'SGD',
      lr: 0.1,
      momentum: 0.9,
      weight_decay: 0.01,
      paramwise_cfg: { custom_keys: { head: { lr_mult: 0.5, decay_mult: 0 } }, bias_decay_mult: 0.5 },
    });
    expect(opt.paramGroups.map((g) => [g.names, g.lr, g.weightDecay])).toEqual([
      [['layer.weight'], 0.1, 0.01],
      [['layer.bias'], 0.1, 0.005],
      [['head.fc.weight'], 0.05, 0],
    ]);
    runSteps(opt, STEPS);
    const got = readParams(params);
    const hp: Record<string, SgdHp> = {
      'layer.weight': { lr: 0.1, momentum: 0.9, wd: 0.01 },
      'layer.bias': { lr: 0.1, momentum: 0.9, wd: 0.005 },
      'head.fc.weight': { lr: 0.05, momentum: 0.9, wd: 0 },
    };
    for (const n of Object.keys(SHAPES)) expectClose(got[n], refSgd(initValues(n), STEPS.map((s) => gradValues(n, s)), hp[n]));
    // LR hooks set one value per group.
    opt.setLr([0.01, 0.02, 0.03]);
    expect(opt.getLr()).toEqual([0.01, 0.02, 0.03]);
    expect(() => opt.setLr([1, 2])).toThrow(/3 parameter groups/);
    opt.dispose();
    params.forEach(([, p]) => p.dispose());
  });
});

describe('state dict', () => {
  it.each([
    ['SGD', { type: 'SGD', lr: 0.05, momentum: 0.9, weight_decay: 1e-3, paramwise_cfg: { bias_lr_mult: 2 } }],
    ['Adam', { type: 'Adam', lr: 0.01, amsgrad: true }],
    ['AdamW', { type: 'AdamW', lr: 0.01, weight_decay: 0.05 }],
  ])('%s resumes exactly, even with a different parameter order', (_l, cfg) => {
    const full = makeParams();
    const o1 = buildOptimizer(full, cfg as OptimizerCfg);
    runSteps(o1, STEPS);
    const expected = readParams(full);

    const a = makeParams();
    const o2 = buildOptimizer(a, cfg as OptimizerCfg);
    runSteps(o2, STEPS.slice(0, 2));
    o2.setLr(o2.getLr().map((x) => x)); // no-op, keeps groups intact
    const sd = o2.stateDict();
    // Survives JSON for the plain part; tensors stay Float32Array.
    expect(JSON.parse(JSON.stringify(sd.paramGroups))).toEqual(sd.paramGroups);
    // Simulate a resume: fresh parameters carrying the saved values, reversed order.
    const saved = readParams(a);
    const order = Object.keys(SHAPES).reverse();
    const b: Array<[string, tf.Variable]> = order.map((n) => [n, tf.variable(tf.tensor(saved[n], SHAPES[n]), true)]);
    const o3 = buildOptimizer(b, cfg as OptimizerCfg);
    o3.loadStateDict(sd);
    runSteps(o3, STEPS.slice(2));
    const got = readParams(b);
    for (const n of Object.keys(SHAPES)) expectClose(got[n], Array.from(expected[n]), 1e-7);
    // Restored state is a copy: mutating the saved arrays does not touch the optimizer.
    const sd2 = o3.stateDict();
    expect(Object.keys(sd2.state).sort()).toEqual(Object.keys(SHAPES).sort());
    [o1, o2, o3].forEach((o) => o.dispose());
    [...full, ...a, ...b].forEach(([, p]) => p.dispose());
  });

  it('restores group hyper-parameters and rejects mismatched state', () => {
    const params = makeParams();
    const o1 = buildOptimizer(params, { type: 'SGD', lr: 0.1, momentum: 0.9 });
    runSteps(o1, [0]);
    o1.setLr(0.033);
    const sd = o1.stateDict();
    const o2 = buildOptimizer(params, { type: 'SGD', lr: 0.1, momentum: 0.9 });
    o2.loadStateDict(sd);
    expect(o2.getLr()).toEqual([0.033]);
    expect(o2.getInitialLr()).toEqual([0.1]);
    const o3 = buildOptimizer(params, { type: 'Adam', lr: 0.1 });
    expect(() => o3.loadStateDict(sd)).toThrow(/saved by a 'SGD'/);
    // Tensors that went through JSON (number[]) or a checkpoint reader ({ dtype, shape, data }) load too.
    const viaJson = JSON.parse(JSON.stringify(sd, (_k, v) => (v instanceof Float32Array ? Array.from(v) : v)));
    o2.loadStateDict(viaJson);
    const td = { ...sd, state: { 'layer.bias': { momentum_buffer: { dtype: 'float64', shape: [3], data: Float64Array.from(sd.state['layer.bias'].momentum_buffer as Float32Array) } } } };
    o2.loadStateDict(td as never, { strict: true });
    expect(Array.from(o2.stateDict().state['layer.bias'].momentum_buffer as Float32Array)).toEqual(Array.from(sd.state['layer.bias'].momentum_buffer as Float32Array));
    o2.loadStateDict(sd);
    const bad = { ...sd, paramGroups: [{ ...sd.paramGroups[0], lr: 9 }], state: { ...sd.state, 'layer.bias': { momentum_buffer: new Float32Array(7) } } };
    expect(() => o2.loadStateDict(bad)).toThrow(/momentum_buffer.*layer\.bias.*7 values/);
    expect(o2.getLr()).toEqual([0.033]); // a failed load changes nothing
    const extra = { ...sd, state: { ...sd.state, 'gone.weight': { momentum_buffer: new Float32Array(1) } } };
    expect(() => o2.loadStateDict(extra)).toThrow(/gone\.weight/);
    const before = tf.memory().numTensors;
    o2.loadStateDict(extra, { strict: false });
    expect(tf.memory().numTensors).toBe(before);
    [o1, o2, o3].forEach((o) => o.dispose());
    params.forEach(([, p]) => p.dispose());
  });

  it('dispose frees every state tensor', () => {
    const params = makeParams();
    const before = tf.memory().numTensors;
    const opt = buildOptimizer(params, { type: 'Adam', lr: 0.01, amsgrad: true });
    runSteps(opt, [0, 1]);
    expect(tf.memory().numTensors).toBe(before + 3 * 3);
    opt.dispose();
    expect(tf.memory().numTensors).toBe(before);
    expect(() => opt.step({})).toThrow(/disposed/);
    params.forEach(([, p]) => p.dispose());
  });

  it('direct construction works too (registry-free)', () => {
    const params = makeParams();
    const opt = new Adam({ lr: 0.01 }).bindParams([{ names: params.map(([n]) => n) }], new Map(params));
    expect(opt.paramGroups[0]).toMatchObject({ lr: 0.01, initialLr: 0.01, weightDecay: 0, betas: [0.9, 0.999], eps: 1e-8, amsgrad: false });
    opt.dispose();
    params.forEach(([, p]) => p.dispose());
  });
});
