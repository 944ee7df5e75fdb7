/**
 * Parameters and multiply-accumulates (MACs, what mmcv's get_flops prints as
 * "FLOPs") per module, measured on one forward pass: every module's forward
 * methods are wrapped to note which profiled kernels ran inside them, and
 * the MACs of each kernel follow from its input and output shapes. Convs and
 * matrix products (attention's QK^T and AV included) are counted;
 * element-wise ops are not.
 */
import { tf } from '../../src/tf';
import type { Module } from '../../src/nn/module';

interface KernelRecord {
  name: string;
  inputShapes: number[][];
  outputShapes: number[][];
}

const prod = (s: number[]) => s.reduce((a, b) => a * b, 1);

/** MACs of one kernel call from its shapes (0 for kernels that are not convolutions or matrix products). */
export function kernelMacs(k: KernelRecord): number {
  const out = k.outputShapes[0];
  if (!out) return 0;
  switch (k.name) {
    case 'Conv2D':
    case 'FusedConv2D': {
      const f = k.inputShapes[1]; // [kh, kw, inC, outC]
      return prod(out) * f[0] * f[1] * f[2];
    }
    case 'DepthwiseConv2dNative':
    case 'FusedDepthwiseConv2D': {
      const f = k.inputShapes[1]; // [kh, kw, inC, multiplier]
      return prod(out) * f[0] * f[1];
    }
    case 'BatchMatMul':
    case '_FusedMatMul': {
      const a = k.inputShapes[0];
      const m = out[out.length - 2];
      const [a0, a1] = a.slice(-2);
      return prod(out) * (a0 === m ? a1 : a0); // the contracted dimension of a, whether or not it was transposed
    }
    default:
      return 0;
  }
}

export interface ModuleCost {
  name: string;
  depth: number;
  type: string;
  params: number;
  macs: number;
}

const FORWARD = /^forward/;

function hasForward(m: Module): boolean {
  for (let p = Object.getPrototypeOf(m) as object | null; p && p !== Object.prototype; p = Object.getPrototypeOf(p) as object | null) {
    if (Object.getOwnPropertyNames(p).some((k) => FORWARD.test(k))) return true;
  }
  return false;
}

/**
 * Runs `run` once under tf.profile with every module's `forward*` methods
 * wrapped; returns the cost of each module (its children included), in
 * module order, and the whole pass's MACs.
 */
export async function moduleCosts(model: Module, run: () => tf.Tensor): Promise<{ modules: ModuleCost[]; totalMacs: number }> {
  const engine = tf.engine() as unknown as { state: { activeProfile: { kernels: KernelRecord[] } } };
  const modules = model.namedModules();
  const macs = new Map<string, number>(modules.map(([n]) => [n, 0]));
  const restore: Array<() => void> = [];
  for (const [name, m] of modules) {
    const obj = m as unknown as Record<string, unknown>;
    let proto = Object.getPrototypeOf(m) as object | null;
    const seen = new Set<string>();
    // Nested forward calls of one module (forward -> forwardFused) must count once: one depth per module.
    const state = { depth: 0 };
    while (proto && proto !== Object.prototype) {
      for (const key of Object.getOwnPropertyNames(proto)) {
        if (!FORWARD.test(key) || seen.has(key) || typeof obj[key] !== 'function') continue;
        seen.add(key);
        const orig = obj[key] as (...a: unknown[]) => unknown;
        obj[key] = function (this: unknown, ...args: unknown[]) {
          const kernels = engine.state.activeProfile.kernels;
          const start = kernels.length;
          state.depth++;
          try {
            return orig.apply(this, args);
          } finally {
            state.depth--;
            if (state.depth === 0) {
              let sum = 0;
              for (let i = start; i < kernels.length; i++) sum += kernelMacs(kernels[i]);
              macs.set(name, (macs.get(name) ?? 0) + sum);
            }
          }
        };
        restore.push(() => delete obj[key]);
      }
      proto = Object.getPrototypeOf(proto) as object | null;
    }
  }
  let totalMacs = 0;
  try {
    const info = await tf.profile(() => {
      const y = run();
      y.dispose();
    });
    for (const k of info.kernels as unknown as KernelRecord[]) totalMacs += kernelMacs(k);
  } finally {
    for (const f of restore) f();
  }
  // Containers (ModuleList...) have no forward of their own: they cost what their children cost.
  for (const [name, m] of [...modules].reverse()) {
    if (!name || hasForward(m)) continue;
    macs.set(name, m.namedChildren().reduce((a, [child]) => a + (macs.get(`${name}.${child}`) ?? 0), 0));
  }
  const out: ModuleCost[] = modules.map(([name, m]) => ({
    name: name || '(model)',
    depth: name ? name.split('.').length : 0,
    type: m.constructor.name,
    params: m.namedParameters().reduce((a, [, p]) => a + p.size, 0),
    macs: name ? (macs.get(name) ?? 0) : totalMacs,
  }));
  return { modules: out, totalMacs };
}

/** `65.21 M`, `12.65 G`, `5.38 K` (mmcv's params_to_string / flops_to_string). */
export function human(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(2)} K`;
  return `${n} `;
}

/** Indented table: module, type, params, % of params, MACs, % of MACs, down to `maxDepth`. */
export function costTable(costs: ModuleCost[], maxDepth: number): string {
  const total = costs[0];
  const rows = costs.filter((c) => c.depth <= maxDepth && (c.params > 0 || c.macs > 0));
  const name = (c: ModuleCost) => `${'  '.repeat(c.depth)}${c.depth ? c.name.split('.').pop() : c.name} (${c.type})`;
  const pct = (a: number, b: number) => (b > 0 ? `${((100 * a) / b).toFixed(2)}%` : '-');
  const lines = rows.map((c) => [name(c), human(c.params).trim(), pct(c.params, total.params), human(c.macs).trim(), pct(c.macs, total.macs)]);
  const head = ['module', 'params', 'params %', 'FLOPs (MACs)', 'FLOPs %'];
  const w = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (l: string[]) => l.map((v, i) => (i === 0 ? v.padEnd(w[i]) : v.padStart(w[i]))).join(' | ');
  return [fmt(head), w.map((x) => '-'.repeat(x)).join('-+-'), ...lines.map(fmt)].join('\n');
}
