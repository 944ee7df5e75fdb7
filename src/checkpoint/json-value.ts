/**
 * Converts unpickled values (Maps, tuples, bigints, bytes) into plain JSON,
 * with a node budget so a hostile pickle of shared references (a DAG that
 * doubles at every level) or a cycle fails fast instead of hanging.
 */
import { setOwn } from './json-budget';
import { pyKeyString } from './pth/pickle';
import { isTensorData } from './tensor-data';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

export interface ToJsonOptions {
  /** What to do with tensors found in meta: describe them (default) or throw. */
  tensors?: 'describe' | 'error';
  maxNodes?: number;
  maxDepth?: number;
}

export function toJsonValue(v: unknown, where: string, opts: ToJsonOptions = {}): JsonValue {
  const maxNodes = opts.maxNodes ?? 1_000_000;
  const maxDepth = opts.maxDepth ?? 200;
  let nodes = 0;
  const active = new Set<object>();
  const conv = (x: unknown, at: string, depth: number): JsonValue => {
    if (++nodes > maxNodes) throw new Error(`${where}: more than ${maxNodes} values in meta (shared references?)`);
    if (depth > maxDepth) throw new Error(`${where}: meta nested deeper than ${maxDepth} at ${at}`);
    if (x === null || x === undefined) return null;
    if (typeof x === 'boolean' || typeof x === 'string') return x;
    if (typeof x === 'number') return Number.isFinite(x) ? x : String(x);
    if (typeof x === 'bigint') return Number(x);
    if (typeof x !== 'object') return String(x);
    if (active.has(x)) throw new Error(`${where}: cyclic value at ${at}`);
    active.add(x);
    try {
      if (isTensorData(x)) {
        if (opts.tensors === 'error') throw new Error(`${where}: unexpected tensor at ${at}`);
        return { __tensor__: { dtype: x.dtype, shape: x.shape } };
      }
      if (x instanceof Uint8Array) return Buffer.from(x).toString('latin1');
      if (Array.isArray(x)) return x.map((e, i) => conv(e, `${at}[${i}]`, depth + 1));
      const out: { [k: string]: JsonValue } = {};
      const entries = x instanceof Map ? [...x.entries()] : Object.entries(x);
      for (const [k, e] of entries) {
        const ks = pyKeyString(k);
        setOwn(out, ks, conv(e, `${at}.${ks}`, depth + 1));
      }
      return out;
    } finally {
      active.delete(x);
    }
  };
  return conv(v, '', 0);
}
