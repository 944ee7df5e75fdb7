/**
 * Our checkpoint format: ONE safetensors file.
 * - model weights under their state_dict names;
 * - optimizer tensors under `__optimizer__.<path>`;
 * - `__metadata__` = { format: 'fer-mm-checkpoint', format_version: '1',
 *   meta: JSON text of the meta object, optimizer?: JSON text of the optimizer
 *   state with every tensor replaced by {"__tensor__": "<key>"} }.
 * One file means one atomic rename: weights and meta can never disagree.
 */
import { CheckpointError } from './errors';
import { JsonValue, toJsonValue } from './json-value';
import { TensorData, TensorArray, isTensorData } from './tensor-data';
import { DEFAULT_SAFETENSORS_LIMITS, encodeSafetensors, SafetensorsContents } from './safetensors';
import { jsonBudgetProblem, setOwn } from './json-budget';
import { pyKeyString } from './pth/pickle';

export const FORMAT_NAME = 'fer-mm-checkpoint';
export const FORMAT_VERSION = '1';
export const OPTIMIZER_PREFIX = '__optimizer__.';

/** Meta stored with a checkpoint (like mmcv's `meta`); any other JSON keys are kept too. */
export interface CheckpointMeta {
  /** Full text of the config the model was built from. */
  config?: string;
  CLASSES?: string[];
  /** Completed epochs (1-based, like mmcv). */
  epoch?: number;
  iter?: number;
  seed?: number | null;
  hook_msgs?: Record<string, unknown>;
  env_info?: string;
  /** lr schedule state, rng state, ... */
  [key: string]: unknown;
}

// Maps: kind names come from the file ("__proto__" must not find Object.prototype).
const ARRAY_KINDS = new Map<string, (t: TensorData) => TensorArray>(Object.entries({
  Float32Array: (t) => t.data,
  Float64Array: (t) => t.data,
  Int32Array: (t) => t.data,
  BigInt64Array: (t) => t.data,
  Uint8Array: (t) => t.data,
  Int8Array: (t) => t.data,
  Int16Array: (t) => t.data,
} as Record<string, (t: TensorData) => TensorArray>));

const TYPED_TO_DTYPE: Record<string, TensorData['dtype']> = {
  Float32Array: 'float32',
  Float64Array: 'float64',
  Int32Array: 'int32',
  BigInt64Array: 'int64',
  Uint8Array: 'uint8',
  Int8Array: 'int8',
  Int16Array: 'int16',
};

/**
 * Values visited when packing an optimizer state: one read from a hostile
 * `.pth` (convert --keep-optimizer) may share lists exponentially (a DAG).
 */
const MAX_PACK_NODES = 1_000_000;

/** Splits an optimizer state tree into JSON (with tensor references) and tensors. */
export function packOptimizer(state: unknown): { json: JsonValue; tensors: Map<string, TensorData> } {
  let nodes = 0;
  const tensors = new Map<string, TensorData>();
  const keyFor = (at: string): string => {
    let k = `${OPTIMIZER_PREFIX}${at.replace(/^\./, '') || 'root'}`;
    if (tensors.has(k)) k = `${k}#${tensors.size}`;
    return k;
  };
  const active = new Set<object>();
  const walk = (x: unknown, at: string): JsonValue => {
    if (++nodes > MAX_PACK_NODES) throw new Error(`optimizer state has more than ${MAX_PACK_NODES} values (shared references?)`);
    if (x === null || x === undefined) return null;
    if (typeof x === 'bigint') return Number(x);
    if (typeof x !== 'object') return toJsonValue(x, 'optimizer');
    if (active.has(x)) throw new Error(`optimizer state is cyclic at ${at}`);
    active.add(x);
    try {
      if (isTensorData(x)) {
        const k = keyFor(at);
        tensors.set(k, x);
        return { __tensor__: k };
      }
      if (ArrayBuffer.isView(x)) {
        const kind = x.constructor.name;
        const dtype = TYPED_TO_DTYPE[kind];
        if (!dtype) throw new Error(`optimizer state holds an unsupported ${kind} at ${at}`);
        const arr = x as unknown as TensorArray;
        const k = keyFor(at);
        tensors.set(k, { dtype, shape: [arr.length], data: arr });
        return { __tensor__: k, __array__: kind };
      }
      if (Array.isArray(x)) return x.map((e, i) => walk(e, `${at}.${i}`));
      const out: { [k: string]: JsonValue } = {};
      const entries = x instanceof Map ? [...x.entries()] : Object.entries(x);
      for (const [k, v] of entries) {
        const ks = pyKeyString(k);
        setOwn(out, ks, walk(v, `${at}.${ks}`));
      }
      return out;
    } finally {
      active.delete(x);
    }
  };
  return { json: walk(state, ''), tensors };
}

/** Inverse of packOptimizer. */
export function unpackOptimizer(json: unknown, tensors: Map<string, TensorData>, file: string): unknown {
  const walk = (x: unknown): unknown => {
    if (x === null || typeof x !== 'object') return x;
    if (Array.isArray(x)) return x.map(walk);
    const o = x as Record<string, unknown>;
    if (typeof o.__tensor__ === 'string') {
      const t = tensors.get(o.__tensor__);
      if (!t) throw new CheckpointError(file, `optimizer state refers to missing tensor '${o.__tensor__}'`);
      if (typeof o.__array__ === 'string') {
        const f = ARRAY_KINDS.get(o.__array__);
        if (!f) throw new CheckpointError(file, `unknown array kind '${o.__array__}'`);
        return f(t);
      }
      return t;
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) setOwn(out, k, walk(v));
    return out;
  };
  return walk(json);
}

export interface OurCheckpoint {
  stateDict: Map<string, TensorData>;
  meta: CheckpointMeta;
  optimizer?: unknown;
}

export function encodeOurCheckpoint(ck: OurCheckpoint): Uint8Array[] {
  const tensors = new Map<string, TensorData>();
  for (const [k, t] of ck.stateDict) {
    if (k.startsWith(OPTIMIZER_PREFIX)) throw new Error(`state_dict key '${k}' uses the reserved prefix ${OPTIMIZER_PREFIX}`);
    tensors.set(k, t);
  }
  const metadata: Record<string, string> = {
    format: FORMAT_NAME,
    format_version: FORMAT_VERSION,
    meta: JSON.stringify(toJsonValue(ck.meta ?? {}, 'meta')),
  };
  if (ck.optimizer !== undefined) {
    const p = packOptimizer(ck.optimizer);
    for (const [k, t] of p.tensors) tensors.set(k, t);
    metadata.optimizer = JSON.stringify(p.json);
  }
  return encodeSafetensors(tensors, metadata);
}

/** Splits a safetensors file into weights, meta and optimizer (plain safetensors: meta = its metadata). */
export function decodeOurCheckpoint(st: SafetensorsContents, file: string): OurCheckpoint {
  const md = st.metadata;
  if (md.format !== FORMAT_NAME) {
    return { stateDict: st.tensors, meta: { ...md } };
  }
  if (md.format_version !== FORMAT_VERSION) {
    throw new CheckpointError(file, `checkpoint format version ${md.format_version} is not supported (expected ${FORMAT_VERSION})`);
  }
  const parse = (k: string): unknown => {
    // The metadata strings are JSON too: same budget as the header around them.
    const problem = jsonBudgetProblem(md[k], DEFAULT_SAFETENSORS_LIMITS);
    if (problem) throw new CheckpointError(file, `metadata '${k}' ${problem}`);
    try {
      return JSON.parse(md[k]);
    } catch (e) {
      throw new CheckpointError(file, `metadata '${k}' is not valid JSON (${(e as Error).message})`);
    }
  };
  const stateDict = new Map<string, TensorData>();
  const opt = new Map<string, TensorData>();
  for (const [k, t] of st.tensors) (k.startsWith(OPTIMIZER_PREFIX) ? opt : stateDict).set(k, t);
  const meta = md.meta !== undefined ? (parse('meta') as CheckpointMeta) : {};
  const out: OurCheckpoint = { stateDict, meta: meta ?? {} };
  if (md.optimizer !== undefined) out.optimizer = unpackOptimizer(parse('optimizer'), opt, file);
  return out;
}
