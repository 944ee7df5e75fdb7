/**
 * `TensorData`: a host-side tensor, as checkpoints read and write it and as
 * `Module.loadStateDict` accepts it. Always contiguous, row-major,
 * little-endian values in a typed array whose element type follows `dtype`
 * (float16/bfloat16 keep their raw 16-bit patterns in a Uint16Array; int64
 * uses BigInt64Array; bool uses 0/1 bytes). No tfjs here: tools that only
 * read or write checkpoints do not load it.
 */
export type TensorDType =
  | 'float32'
  | 'float64'
  | 'float16'
  | 'bfloat16'
  | 'int64'
  | 'int32'
  | 'uint8'
  | 'int8'
  | 'int16'
  | 'bool';

export type TensorArray =
  | Float32Array
  | Float64Array
  | Uint16Array
  | BigInt64Array
  | Int32Array
  | Uint8Array
  | Int8Array
  | Int16Array;

export interface TensorData {
  dtype: TensorDType;
  shape: number[];
  data: TensorArray;
}

/** Bytes per element of each dtype. */
export const DTYPE_ITEMSIZE: Readonly<Record<TensorDType, number>> = {
  float32: 4,
  float64: 8,
  float16: 2,
  bfloat16: 2,
  int64: 8,
  int32: 4,
  uint8: 1,
  int8: 1,
  int16: 2,
  bool: 1,
};

export const TENSOR_DTYPES = Object.keys(DTYPE_ITEMSIZE) as TensorDType[];

type ArrayCtor = { new (n: number): TensorArray; new (b: ArrayBuffer, off: number, n: number): TensorArray };
const CTORS: Record<TensorDType, ArrayCtor> = {
  float32: Float32Array,
  float64: Float64Array,
  float16: Uint16Array,
  bfloat16: Uint16Array,
  int64: BigInt64Array,
  int32: Int32Array,
  uint8: Uint8Array,
  int8: Int8Array,
  int16: Int16Array,
  bool: Uint8Array,
} as unknown as Record<TensorDType, ArrayCtor>;

/** A zero-filled typed array of `n` elements for `dtype`. */
export function allocTensorArray(dtype: TensorDType, n: number): TensorArray {
  return new CTORS[dtype](n);
}

/** Copies `byteLength` little-endian bytes into a fresh typed array of `dtype`. */
export function tensorArrayFromBytes(dtype: TensorDType, bytes: Uint8Array): TensorArray {
  const item = DTYPE_ITEMSIZE[dtype];
  if (bytes.byteLength % item !== 0) {
    throw new Error(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  }
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new CTORS[dtype](copy.buffer, 0, bytes.byteLength / item);
}

/** The raw little-endian bytes of a tensor's data (a view, not a copy). */
export function tensorBytes(t: TensorData): Uint8Array {
  return new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
}

export function numelOf(shape: readonly number[]): number {
  let n = 1;
  for (const s of shape) n *= s;
  return n;
}

export function isTensorData(v: unknown): v is TensorData {
  if (v === null || typeof v !== 'object') return false;
  const o = v as Partial<TensorData>;
  return (
    typeof o.dtype === 'string' &&
    o.dtype in DTYPE_ITEMSIZE &&
    Array.isArray(o.shape) &&
    ArrayBuffer.isView(o.data)
  );
}

/** Builds a TensorData, checking that the data length matches the shape. */
export function makeTensorData(dtype: TensorDType, shape: number[], data: TensorArray): TensorData {
  const n = numelOf(shape);
  if (data.length !== n) {
    throw new Error(`tensor of shape [${shape.join(',')}] needs ${n} ${dtype} values, got ${data.length}`);
  }
  if (!(data instanceof CTORS[dtype])) {
    throw new Error(`dtype ${dtype} needs a ${CTORS[dtype].name}, got ${data.constructor.name}`);
  }
  return { dtype, shape: [...shape], data };
}

// ---- half precision ------------------------------------------------------

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE binary16 bits → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** number → IEEE binary16 bits, round to nearest even (like torch `.half()`). */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
  return sign | half;
}

/** bfloat16 bits → number. */
export function bf16ToFloat(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0];
}

/** number → bfloat16 bits, round to nearest even (NaN stays NaN). */
export function floatToBf16(v: number): number {
  f32[0] = v;
  const x = u32[0];
  if ((x & 0x7f800000) === 0x7f800000 && x & 0x7fffff) return ((x >>> 16) | 0x40) & 0xffff;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

// ---- conversions -----------------------------------------------------------

/** All values as float32 (int64 through Number; float16/bfloat16 decoded). */
export function toFloat32(t: TensorData): Float32Array {
  const d = t.data;
  if (t.dtype === 'float32') return d as Float32Array;
  const out = new Float32Array(d.length);
  if (t.dtype === 'float16') {
    for (let i = 0; i < d.length; i++) out[i] = halfToFloat((d as Uint16Array)[i]);
  } else if (t.dtype === 'bfloat16') {
    for (let i = 0; i < d.length; i++) out[i] = bf16ToFloat((d as Uint16Array)[i]);
  } else if (t.dtype === 'int64') {
    for (let i = 0; i < d.length; i++) out[i] = Number((d as BigInt64Array)[i]);
  } else {
    for (let i = 0; i < d.length; i++) out[i] = (d as Float64Array)[i];
  }
  return out;
}

/** Integer dtypes as Int32Array; int64 values outside int32 range are an error. */
export function toInt32(t: TensorData): Int32Array {
  const d = t.data;
  if (t.dtype === 'int32') return d as Int32Array;
  const out = new Int32Array(d.length);
  if (t.dtype === 'int64') {
    for (let i = 0; i < d.length; i++) {
      const v = (d as BigInt64Array)[i];
      if (v > 2147483647n || v < -2147483648n) {
        throw new Error(`int64 value ${v} does not fit in int32 (tfjs has no int64)`);
      }
      out[i] = Number(v);
    }
  } else {
    for (let i = 0; i < d.length; i++) out[i] = Number((d as Int32Array)[i]);
  }
  return out;
}

export function isFloatDType(d: TensorDType): boolean {
  return d === 'float32' || d === 'float64' || d === 'float16' || d === 'bfloat16';
}

/** float32 values → TensorData of a float dtype (rounding to nearest even for 16-bit types). */
export function fromFloat32(values: ArrayLike<number>, shape: number[], dtype: TensorDType = 'float32'): TensorData {
  const n = values.length;
  let data: TensorArray;
  switch (dtype) {
    case 'float32':
      data = Float32Array.from(values);
      break;
    case 'float64':
      data = Float64Array.from(values);
      break;
    case 'float16':
      data = new Uint16Array(n);
      for (let i = 0; i < n; i++) data[i] = floatToHalf(values[i]);
      break;
    case 'bfloat16':
      data = new Uint16Array(n);
      for (let i = 0; i < n; i++) data[i] = floatToBf16(values[i]);
      break;
    case 'int64':
      data = new BigInt64Array(n);
      for (let i = 0; i < n; i++) data[i] = BigInt(Math.trunc(values[i]));
      break;
    case 'bool':
      data = new Uint8Array(n);
      for (let i = 0; i < n; i++) data[i] = values[i] ? 1 : 0;
      break;
    default:
      data = allocTensorArray(dtype, n);
      for (let i = 0; i < n; i++) (data as Int32Array)[i] = values[i];
  }
  return makeTensorData(dtype, shape, data);
}

