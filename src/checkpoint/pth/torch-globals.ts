/**
 * The globals a torch checkpoint may reference, and what each rebuilds.
 * Everything else is refused by the unpickler.
 */
import { DTYPE_ITEMSIZE, TensorData, TensorDType, allocTensorArray, tensorArrayFromBytes, TensorArray } from '../tensor-data';
import { describePy, PickleLimits, PyCallable, PyOrderedDict } from './pickle';

/** A storage loaded from `data/<key>`: `numel` elements of `dtype`. */
export class StorageRef {
  private typed?: TensorArray;
  constructor(
    readonly key: string,
    readonly dtype: TensorDType,
    readonly numel: number,
    /** little-endian bytes (already byte-swapped for big-endian archives) */
    readonly bytes: Uint8Array,
  ) {}
  /** The whole storage as an aligned typed array (copied once, then cached). */
  array(): TensorArray {
    if (!this.typed) this.typed = tensorArrayFromBytes(this.dtype, this.bytes.subarray(0, this.numel * DTYPE_ITEMSIZE[this.dtype]));
    return this.typed;
  }
}

export const STORAGE_DTYPES: Record<string, TensorDType> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

/** `torch.FloatStorage` / `torch.cuda.FloatStorage` → float32; undefined for anything else. */
export function storageDTypeOf(qualname: string): TensorDType | undefined {
  const m = /^torch\.(?:cuda\.)?([A-Za-z0-9]+Storage)$/.exec(qualname);
  return m && Object.prototype.hasOwnProperty.call(STORAGE_DTYPES, m[1]) ? STORAGE_DTYPES[m[1]] : undefined;
}

export interface RebuildLimits {
  /**
   * Upper bound on the elements of one tensor that views its storage with a
   * zero stride (an expanded tensor): protects against a tiny storage blown
   * up into a huge allocation. Other tensors are bounded by their storage.
   */
  maxExpandedElements: number;
  /**
   * Budget for the bytes of all materialized tensors together: many tensors
   * viewing one big storage would otherwise multiply a small file into a huge
   * allocation. Default (set by the readers): 4 × file size + 256 MiB.
   */
  maxTotalBytes: number;
  /** Running total against maxTotalBytes (mutated). */
  usedBytes: number;
  /** Budgets of the pickle interpreter (default DEFAULT_PICKLE_LIMITS). */
  pickle?: Partial<PickleLimits>;
}

export function defaultLimits(fileBytes: number, maxExpandedElements?: number): RebuildLimits {
  return { maxExpandedElements: maxExpandedElements ?? 1 << 26, maxTotalBytes: 4 * fileBytes + 256 * 2 ** 20, usedBytes: 0 };
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** `_rebuild_tensor_v2(storage, offset, size, stride, requires_grad, hooks[, metadata])`. */
export function rebuildTensor(args: unknown[], limits: RebuildLimits): TensorData {
  if (args.length < 4) throw new Error(`expected at least 4 arguments, got ${args.length}`);
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof StorageRef)) throw new Error('first argument is not a storage');
  if (!isNonNegInt(offset)) throw new Error(`bad storage offset ${describePy(offset)}`);
  checkTensorTail(args, 4);
  if (!Array.isArray(size) || !size.every(isNonNegInt)) throw new Error('bad size tuple');
  if (!Array.isArray(stride) || stride.length !== size.length || !stride.every(isNonNegInt)) {
    throw new Error('bad stride tuple');
  }
  const shape = size as number[];
  const strides = stride as number[];
  const dtype = storage.dtype;
  let numel = 1;
  let maxIndex = offset;
  let expanded = false;
  for (let i = 0; i < shape.length; i++) {
    numel *= shape[i];
    if (shape[i] > 1 && strides[i] === 0) expanded = true;
    maxIndex += (shape[i] - 1) * strides[i];
    if (!Number.isSafeInteger(numel) || !Number.isSafeInteger(maxIndex)) throw new Error('tensor size overflows');
  }
  if (numel === 0) return { dtype, shape: [...shape], data: allocTensorArray(dtype, 0) };
  if (maxIndex >= storage.numel) {
    throw new Error(
      `tensor [${shape.join(',')}] with stride [${strides.join(',')}] at offset ${offset} reads element ${maxIndex} ` +
        `of storage '${storage.key}' which holds only ${storage.numel}`,
    );
  }
  // Without a zero stride, distinct indices address distinct elements: numel <= storage numel.
  if (!expanded && numel > storage.numel) throw new Error(`tensor has ${numel} elements but storage '${storage.key}' only ${storage.numel}`);
  if (expanded && numel > limits.maxExpandedElements) {
    throw new Error(`expanded tensor of ${numel} elements exceeds the limit of ${limits.maxExpandedElements}`);
  }
  // Contiguous row-major: one copy straight from the archive bytes.
  let contiguous = true;
  let expect = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    if (shape[i] !== 1 && strides[i] !== expect) contiguous = false;
    expect *= shape[i];
  }
  const item = DTYPE_ITEMSIZE[dtype];
  if (contiguous) {
    limits.usedBytes += numel * item;
    if (limits.usedBytes > limits.maxTotalBytes) {
      throw new Error(`tensors would need more than ${limits.maxTotalBytes} bytes in total (many views of the same storage?)`);
    }
    return { dtype, shape: [...shape], data: tensorArrayFromBytes(dtype, storage.bytes.subarray(offset * item, (offset + numel) * item)) };
  }
  limits.usedBytes += numel * item;
  if (limits.usedBytes > limits.maxTotalBytes) {
    throw new Error(`tensors would need more than ${limits.maxTotalBytes} bytes in total (many views of the same storage?)`);
  }
  const src = storage.array();
  const out = allocTensorArray(dtype, numel) as unknown as { [i: number]: number | bigint };
  const s = src as unknown as { [i: number]: number | bigint };
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  let p = offset;
  for (let k = 0; k < numel; k++) {
    out[k] = s[p];
    for (let d = nd - 1; d >= 0; d--) {
      idx[d]++;
      p += strides[d];
      if (idx[d] < shape[d]) break;
      p -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return { dtype, shape: [...shape], data: out as unknown as TensorArray };
}

// ---- numpy scalars (mmcv meta may hold e.g. a numpy.float64 best score) ----

export class NumpyDType {
  byteorder = '<';
  constructor(readonly descr: string) {}
}

const NP_SCALARS = new Map<string, [number, (dv: DataView, le: boolean) => number | boolean]>(Object.entries({
  f8: [8, (d, le) => d.getFloat64(0, le)],
  f4: [4, (d, le) => d.getFloat32(0, le)],
  i8: [8, (d, le) => Number(d.getBigInt64(0, le))],
  u8: [8, (d, le) => Number(d.getBigUint64(0, le))],
  i4: [4, (d, le) => d.getInt32(0, le)],
  u4: [4, (d, le) => d.getUint32(0, le)],
  i2: [2, (d, le) => d.getInt16(0, le)],
  u2: [2, (d, le) => d.getUint16(0, le)],
  i1: [1, (d) => d.getInt8(0)],
  u1: [1, (d) => d.getUint8(0)],
  b1: [1, (d) => d.getUint8(0) !== 0],
} as Record<string, [number, (dv: DataView, le: boolean) => number | boolean]>));

function numpyScalar(args: unknown[]): number | boolean {
  const [dt, raw] = args;
  if (args.length !== 2 || !(dt instanceof NumpyDType)) throw new Error('expected (numpy dtype, bytes)');
  const spec = NP_SCALARS.get(dt.descr);
  if (!spec) throw new Error(`numpy scalar of dtype ${describePy(dt.descr)} is not supported`);
  if (!(raw instanceof Uint8Array) || raw.byteLength !== spec[0]) throw new Error('numpy scalar bytes have the wrong length');
  return spec[1](new DataView(raw.buffer, raw.byteOffset, raw.byteLength), dt.byteorder !== '>');
}

/**
 * `requires_grad, backward_hooks[, metadata]` after the first `from`
 * arguments of a rebuild call: the types torch writes, nothing else.
 */
function checkTensorTail(args: unknown[], from: number): void {
  if (args.length > from + 3) throw new Error(`expected at most ${from + 3} arguments, got ${args.length}`);
  const [requiresGrad, hooks, metadata] = args.slice(from);
  if (requiresGrad !== undefined && typeof requiresGrad !== 'boolean') throw new Error(`requires_grad is ${describePy(requiresGrad)}, not a bool`);
  if (hooks !== undefined && hooks !== null && !(hooks instanceof Map)) throw new Error(`backward_hooks is ${describePy(hooks)}, not a dict`);
  if (metadata !== undefined && metadata !== null && !(metadata instanceof Map)) throw new Error(`metadata is ${describePy(metadata)}, not a dict`);
}

/** `torch.device('cpu')` / `torch.device('cuda', 0)`: a device string and an optional index. */
function torchDevice(args: unknown[]): string {
  const [type, index] = args;
  if (args.length < 1 || args.length > 2 || typeof type !== 'string' || type.length > 64) {
    throw new Error(`expected (str[, int]), got ${args.map(describePy).join(', ') || 'no arguments'}`);
  }
  if (index === undefined || index === null) return type;
  if (!isNonNegInt(index)) throw new Error(`device index is ${describePy(index)}, not an int`);
  return `${type}:${index}`;
}

/** `OrderedDict()` or `OrderedDict([(k, v), ...])`; the items usually come later by SETITEMS. */
function orderedDict(args: unknown[]): PyOrderedDict<unknown, unknown> {
  const m = new PyOrderedDict<unknown, unknown>();
  if (args.length > 1) throw new Error(`expected at most 1 argument, got ${args.length}`);
  if (args.length && args[0] !== null) {
    if (!Array.isArray(args[0])) throw new Error(`expected a list of pairs, got ${describePy(args[0])}`);
    for (const kv of args[0]) {
      if (!Array.isArray(kv) || kv.length !== 2) throw new Error(`expected (key, value) pairs, got ${describePy(kv)}`);
      m.set(kv[0], kv[1]);
    }
  }
  return m;
}

/** `_rebuild_parameter(data, requires_grad, backward_hooks[, state])`: data is a rebuilt tensor. */
function rebuildParameter(dryRun: boolean) {
  return (args: unknown[]): unknown => {
    if (args.length < 1 || args.length > 4) throw new Error(`expected 1 to 4 arguments, got ${args.length}`);
    if (!dryRun && !isTensorDataValue(args[0])) throw new Error(`data is ${describePy(args[0])}, not a tensor`);
    const [, requiresGrad, hooks] = args;
    if (requiresGrad !== undefined && typeof requiresGrad !== 'boolean') throw new Error(`requires_grad is ${describePy(requiresGrad)}, not a bool`);
    if (hooks !== undefined && hooks !== null && !(hooks instanceof Map)) throw new Error(`backward_hooks is ${describePy(hooks)}, not a dict`);
    return args[0];
  };
}

function isTensorDataValue(v: unknown): boolean {
  return !!v && typeof v === 'object' && 'dtype' in v && 'shape' in v && 'data' in v && !(v instanceof Map) && !Array.isArray(v);
}

const LATIN1 = new Set(['latin1', 'latin-1', 'iso-8859-1']);
const UTF8 = new Set(['utf-8', 'utf8']);

/** `_codecs.encode(str, encoding)`: how protocol-2 pickles store bytes. */
function codecsEncode(args: unknown[]): Uint8Array {
  const [s, enc] = args;
  if (args.length < 1 || args.length > 2 || typeof s !== 'string') throw new Error('expected (str, str)');
  if (enc !== undefined && typeof enc !== 'string') throw new Error(`encoding is ${describePy(enc)}, not a str`);
  const e = (enc ?? 'utf-8').toLowerCase();
  if (LATIN1.has(e)) {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c > 255) throw new Error('character outside latin-1');
      out[i] = c;
    }
    return out;
  }
  if (UTF8.has(e)) return new TextEncoder().encode(s);
  throw new Error(`encoding ${describePy(e)} is not supported`);
}

/** `numpy.dtype(descr, align, copy)`. */
function numpyDType(args: unknown[]): NumpyDType {
  if (args.length < 1 || args.length > 3 || typeof args[0] !== 'string' || args[0].length > 16) throw new Error('expected a dtype string');
  for (const flag of args.slice(1)) if (typeof flag !== 'boolean' && typeof flag !== 'number') throw new Error('dtype flags must be bools');
  return new NumpyDType(args[0]);
}

/** The full allow-list. Storage classes are added by the caller (they need the archive). */
export function torchGlobals(limits: RebuildLimits, dryRun = false): Record<string, PyCallable> {
  const rebuild = (args: unknown[]): TensorData | null => (dryRun ? (checkTensorTail(args, 4), null) : rebuildTensor(args, limits));
  // Null prototype: names from the file are looked up in it.
  const g: Record<string, PyCallable> = Object.assign(Object.create(null) as Record<string, PyCallable>, {
    'collections.OrderedDict': orderedDict,
    'torch._utils._rebuild_tensor_v2': rebuild,
    'torch._utils._rebuild_tensor': rebuild, // torch < 1.0 (legacy files)
    'torch._utils._rebuild_parameter': rebuildParameter(dryRun),
    'torch._utils._rebuild_parameter_with_state': rebuildParameter(dryRun),
    'torch.device': torchDevice,
    '_codecs.encode': codecsEncode,
    'numpy.core.multiarray.scalar': numpyScalar,
    'numpy._core.multiarray.scalar': numpyScalar,
    'numpy.dtype': numpyDType,
  });
  // Storage classes only appear inside persistent ids; calling one is an error.
  for (const name of Object.keys(STORAGE_DTYPES)) {
    const refuse = (): never => {
      throw new Error('storage classes cannot be called');
    };
    g[`torch.${name}`] = refuse;
    g[`torch.cuda.${name}`] = refuse; // very old files name the CUDA class
  }
  return g;
}

/** BUILD handler: only numpy dtypes take state ((version, byteorder, ...)). */
export function torchBuild(obj: unknown, state: unknown): boolean {
  if (obj instanceof NumpyDType && Array.isArray(state)) {
    if (typeof state[1] === 'string') obj.byteorder = state[1];
    return true;
  }
  return false;
}
