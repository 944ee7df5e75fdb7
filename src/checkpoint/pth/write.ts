/**
 * Writes torch-compatible `.pth` zip archives (what `torch.save` produces with
 * the zip serialization, pickle protocol 2): `<archive>/data.pkl`,
 * `<archive>/byteorder`, `<archive>/data/<key>` (64-byte aligned through the
 * 'FB' extra field, keys in lexicographic order), `<archive>/version`.
 *
 * Values: Map → dict (a PyOrderedDict → collections.OrderedDict, with a
 * BUILD of its `getPyAttributes` such as the state_dict `_metadata`), plain
 * object → dict, Array → list (`pyTuple(...)` → tuple), integer number → int,
 * other number or PyFloat → float, bigint → int, string → str, boolean,
 * null/undefined → None, Uint8Array → bytes, TensorData → tensor with its
 * own storage, PthTensorView → tensor viewing a (possibly shared) storage
 * with an offset and arbitrary strides. Raw Float32Array/Int32Array/... are
 * written as 1-D tensors.
 */
import * as path from 'path';
import { writeFileAtomic } from '../atomic';
import {
  DTYPE_ITEMSIZE,
  TensorArray,
  TensorDType,
  isTensorData,
  tensorBytes,
} from '../tensor-data';
import { PyFloat, PyOrderedDict, getPyAttributes, isPyTuple } from './pickle';
import { writeZip } from './zip';

/** A storage that several tensor views may share. */
export interface PthStorage {
  dtype: TensorDType;
  data: TensorArray;
}

/** A tensor that views `storage` from `offset` with `stride` (in elements). */
export class PthTensorView {
  constructor(
    readonly storage: PthStorage,
    readonly shape: number[],
    readonly stride: number[],
    readonly offset = 0,
  ) {}
}

const STORAGE_CLASS: Record<TensorDType, string> = {
  float32: 'FloatStorage',
  float64: 'DoubleStorage',
  float16: 'HalfStorage',
  bfloat16: 'BFloat16Storage',
  int64: 'LongStorage',
  int32: 'IntStorage',
  int16: 'ShortStorage',
  int8: 'CharStorage',
  uint8: 'ByteStorage',
  bool: 'BoolStorage',
};

const TYPED_DTYPE: Array<[abstract new (...args: never[]) => ArrayBufferView, TensorDType]> = [
  [Float32Array, 'float32'],
  [Float64Array, 'float64'],
  [BigInt64Array, 'int64'],
  [Int32Array, 'int32'],
  [Int16Array, 'int16'],
  [Int8Array, 'int8'],
];

class ByteSink {
  private buf = new Uint8Array(1 << 12);
  len = 0;
  private ensure(k: number): void {
    if (this.len + k <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.len + k) cap *= 2;
    const nb = new Uint8Array(cap);
    nb.set(this.buf.subarray(0, this.len));
    this.buf = nb;
  }
  byte(b: number): void {
    this.ensure(1);
    this.buf[this.len++] = b;
  }
  bytes(b: Uint8Array): void {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }
  u16(v: number): void {
    this.byte(v & 0xff);
    this.byte((v >>> 8) & 0xff);
  }
  u32(v: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer).setUint32(this.len, v >>> 0, true);
    this.len += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    new DataView(this.buf.buffer).setInt32(this.len, v, true);
    this.len += 4;
  }
  f64be(v: number): void {
    this.ensure(8);
    new DataView(this.buf.buffer).setFloat64(this.len, v, false);
    this.len += 8;
  }
  ascii(s: string): void {
    for (let i = 0; i < s.length; i++) this.byte(s.charCodeAt(i));
  }
  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

const enc = new TextEncoder();

class TorchPickler {
  readonly out = new ByteSink();
  /** storage identity → key, in first-appearance order */
  readonly storages = new Map<PthStorage, string>();
  private memo = new Map<object, number>();
  private active = new Set<object>();

  constructor() {
    this.out.byte(0x80);
    this.out.byte(2);
  }

  finish(obj: unknown): Uint8Array {
    this.save(obj, 'root');
    this.out.byte(0x2e); // STOP
    return this.out.result();
  }

  private put(obj: object): void {
    const i = this.memo.size;
    this.memo.set(obj, i);
    if (i < 256) {
      this.out.byte(0x71);
      this.out.byte(i);
    } else {
      this.out.byte(0x72);
      this.out.u32(i);
    }
  }

  private global(module: string, name: string): void {
    this.out.byte(0x63);
    this.out.ascii(`${module}\n${name}\n`);
  }

  private int(v: number | bigint): void {
    if (typeof v === 'number' && v >= 0 && v < 256) {
      this.out.byte(0x4b);
      this.out.byte(v);
    } else if (typeof v === 'number' && v >= 0 && v < 65536) {
      this.out.byte(0x4d);
      this.out.u16(v);
    } else if (typeof v === 'number' && v >= -2147483648 && v <= 2147483647) {
      this.out.byte(0x4a);
      this.out.i32(v);
    } else {
      // LONG1: minimal little-endian two's complement
      let b = BigInt(v);
      const bytes: number[] = [];
      for (;;) {
        const byte = Number(b & 0xffn);
        bytes.push(byte);
        b >>= 8n;
        if ((b === 0n && !(byte & 0x80)) || (b === -1n && byte & 0x80)) break;
      }
      this.out.byte(0x8a);
      this.out.byte(bytes.length);
      this.out.bytes(Uint8Array.from(bytes));
    }
  }

  private str(s: string): void {
    const b = enc.encode(s);
    this.out.byte(0x58);
    this.out.u32(b.length);
    this.out.bytes(b);
  }

  private tuple(items: unknown[], where: string): void {
    if (items.length === 0) {
      this.out.byte(0x29);
      return;
    }
    this.out.byte(0x28);
    items.forEach((it, i) => this.save(it, `${where}[${i}]`));
    this.out.byte(0x74);
  }

  private dictItems(entries: Array<[unknown, unknown]>, where: string): void {
    for (let i = 0; i < entries.length; i += 1000) {
      this.out.byte(0x28);
      for (const [k, v] of entries.slice(i, i + 1000)) {
        this.save(k, where);
        this.save(v, `${where}.${String(k)}`);
      }
      this.out.byte(0x75);
    }
  }

  private tensor(storage: PthStorage, shape: number[], stride: number[], offset: number, where: string): void {
    let key = this.storages.get(storage);
    if (key === undefined) {
      key = String(this.storages.size);
      this.storages.set(storage, key);
    }
    this.global('torch._utils', '_rebuild_tensor_v2');
    this.out.byte(0x28);
    // persistent id ('storage', torch.XStorage, key, 'cpu', numel)
    this.out.byte(0x28);
    this.str('storage');
    this.global('torch', STORAGE_CLASS[storage.dtype]);
    this.str(key);
    this.str('cpu');
    this.int(storage.data.length);
    this.out.byte(0x74);
    this.out.byte(0x51); // BINPERSID
    this.int(offset);
    this.tuple(shape, where);
    this.tuple(stride, where);
    this.out.byte(0x89); // requires_grad=False
    this.global('collections', 'OrderedDict');
    this.out.byte(0x29);
    this.out.byte(0x52);
    this.out.byte(0x74);
    this.out.byte(0x52);
  }

  save(v: unknown, where: string): void {
    if (v === null || v === undefined) return this.out.byte(0x4e);
    if (v === true) return this.out.byte(0x88);
    if (v === false) return this.out.byte(0x89);
    if (typeof v === 'bigint') return this.int(v);
    if (typeof v === 'number') {
      if (Number.isInteger(v) && Number.isSafeInteger(v)) return this.int(v);
      this.out.byte(0x47);
      return this.out.f64be(v);
    }
    if (v instanceof PyFloat) {
      this.out.byte(0x47);
      return this.out.f64be(v.value);
    }
    if (typeof v === 'string') return this.str(v);
    if (typeof v !== 'object') throw new Error(`cannot pickle ${typeof v} at ${where}`);
    const seen = this.memo.get(v);
    if (seen !== undefined) {
      if (seen < 256) {
        this.out.byte(0x68);
        this.out.byte(seen);
      } else {
        this.out.byte(0x6a);
        this.out.u32(seen);
      }
      return;
    }
    if (this.active.has(v)) throw new Error(`cannot pickle a cyclic structure (at ${where})`);
    this.active.add(v);
    try {
      this.saveObject(v, where);
    } finally {
      this.active.delete(v);
    }
  }

  private saveObject(v: object, where: string): void {
    if (v instanceof PthTensorView) {
      this.tensor(v.storage, v.shape, v.stride, v.offset, where);
      this.put(v);
      return;
    }
    if (isTensorData(v)) {
      const strides = new Array<number>(v.shape.length);
      let s = 1;
      for (let i = v.shape.length - 1; i >= 0; i--) {
        strides[i] = s;
        s *= v.shape[i];
      }
      this.tensor({ dtype: v.dtype, data: v.data }, v.shape, strides, 0, where);
      this.put(v);
      return;
    }
    if (v instanceof Uint8Array) {
      // protocol 2 bytes: _codecs.encode(latin1 text, 'latin1')
      this.global('_codecs', 'encode');
      let s = '';
      for (let i = 0; i < v.length; i++) s += String.fromCharCode(v[i]);
      this.out.byte(0x28);
      this.str(s);
      this.str('latin1');
      this.out.byte(0x74);
      this.out.byte(0x52);
      return;
    }
    if (ArrayBuffer.isView(v)) {
      const hit = TYPED_DTYPE.find(([ctor]) => v instanceof ctor);
      if (!hit) throw new Error(`cannot pickle ${v.constructor.name} at ${where}`);
      const arr = v as unknown as TensorArray;
      this.tensor({ dtype: hit[1], data: arr }, [arr.length], [1], 0, where);
      this.put(v);
      return;
    }
    if (Array.isArray(v)) {
      if (isPyTuple(v)) {
        this.tuple(v, where);
        return;
      }
      this.out.byte(0x5d);
      this.put(v);
      for (let i = 0; i < v.length; i += 1000) {
        this.out.byte(0x28);
        v.slice(i, i + 1000).forEach((it, j) => this.save(it, `${where}[${i + j}]`));
        this.out.byte(0x65);
      }
      return;
    }
    if (v instanceof Map) {
      if (v instanceof PyOrderedDict) {
        this.global('collections', 'OrderedDict');
        this.out.byte(0x29);
        this.out.byte(0x52);
      } else {
        this.out.byte(0x7d);
      }
      this.put(v);
      if (v.size) this.dictItems([...v.entries()], where);
      const attrs = getPyAttributes(v);
      if (attrs && attrs.size) {
        this.out.byte(0x7d);
        this.dictItems([...attrs.entries()], `${where}.__dict__`);
        this.out.byte(0x62); // BUILD
      }
      return;
    }
    if (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null) {
      this.out.byte(0x7d);
      this.put(v);
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      if (entries.length) this.dictItems(entries, where);
      return;
    }
    throw new Error(`cannot pickle a ${v.constructor?.name ?? 'object'} at ${where}`);
  }
}

/** Encodes `obj` as the chunks of a torch zip archive named `archiveName`. */
export function encodePth(obj: unknown, archiveName = 'archive'): Uint8Array[] {
  const p = new TorchPickler();
  const pkl = p.finish(obj);
  const entries = [
    { name: `${archiveName}/data.pkl`, data: pkl },
    { name: `${archiveName}/byteorder`, data: enc.encode('little') },
  ];
  const byKey = [...p.storages.entries()].map(([s, k]) => [k, s] as const);
  byKey.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0)); // torch sorts keys as strings
  for (const [k, s] of byKey) {
    const bytes = tensorBytes({ dtype: s.dtype, shape: [s.data.length], data: s.data });
    if (bytes.byteLength !== s.data.length * DTYPE_ITEMSIZE[s.dtype]) throw new Error(`storage ${k} has the wrong element size for ${s.dtype}`);
    entries.push({ name: `${archiveName}/data/${k}`, data: bytes });
  }
  entries.push({ name: `${archiveName}/version`, data: enc.encode('3\n') });
  return writeZip(entries);
}

/** Writes `obj` to `file` atomically, like `torch.save(obj, file)`. */
export function writePth(file: string, obj: unknown): void {
  const archive = path.basename(file).replace(/\.[^.]*$/, '') || 'archive';
  writeFileAtomic(file, encodePth(obj, archive));
}

