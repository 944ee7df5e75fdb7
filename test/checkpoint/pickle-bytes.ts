/** Test helper: hand-assembled pickles and torch archives (for hostile files). */
import { writeZip } from '../../src/checkpoint/pth/zip';

export const op = {
  PROTO2: [0x80, 2],
  STOP: [0x2e],
  MARK: [0x28],
  TUPLE: [0x74],
  EMPTY_DICT: [0x7d],
  EMPTY_LIST: [0x5d],
  EMPTY_TUPLE: [0x29],
  REDUCE: [0x52],
  SETITEMS: [0x75],
  SETITEM: [0x73],
  APPEND: [0x61],
  BINPERSID: [0x51],
  NEWFALSE: [0x89],
};

export function bytes(...parts: Array<number[] | Uint8Array>): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

export function u32(v: number): number[] {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];
}

export function str(s: string): number[] {
  const b = [...Buffer.from(s, 'utf8')];
  return [0x58, ...u32(b.length), ...b];
}

export function global(module: string, name: string): number[] {
  return [0x63, ...Buffer.from(`${module}\n${name}\n`, 'latin1')];
}

export function int(v: number): number[] {
  if (v >= 0 && v < 256) return [0x4b, v];
  if (v >= -2147483648 && v <= 2147483647) return [0x4a, ...u32(v)];
  // LONG1, 8-byte little-endian two's complement
  const b = Buffer.alloc(8);
  b.writeBigInt64LE(BigInt(v));
  return [0x8a, 8, ...b];
}

export function tuple(...items: number[][]): number[] {
  return [...op.MARK, ...items.flat(), ...op.TUPLE];
}

/** `_rebuild_tensor_v2(persid(('storage', torch.<cls>, key, 'cpu', numel)), offset, size, stride, False, OrderedDict())` */
export function tensorOps(cls: string, key: string, numel: number, offset: number, size: number[], stride: number[]): number[] {
  return [
    ...global('torch._utils', '_rebuild_tensor_v2'),
    ...op.MARK,
    ...tuple(str('storage'), global('torch', cls), str(key), str('cpu'), int(numel)),
    ...op.BINPERSID,
    ...int(offset),
    ...tuple(...size.map(int)),
    ...tuple(...stride.map(int)),
    ...op.NEWFALSE,
    ...global('collections', 'OrderedDict'),
    ...op.EMPTY_TUPLE,
    ...op.REDUCE,
    ...op.TUPLE,
    ...op.REDUCE,
  ];
}

/** `{key: value}` as a pickle stream (value given as ops). */
export function dictPickle(key: string, valueOps: number[]): Uint8Array {
  return bytes(op.PROTO2, op.EMPTY_DICT, str(key), valueOps, op.SETITEM, op.STOP);
}

/** A torch-style zip archive around a pickle and raw storages. */
export function archive(pkl: Uint8Array, storages: Record<string, Uint8Array> = {}): Buffer {
  const entries = [{ name: 'archive/data.pkl', data: pkl }, { name: 'archive/byteorder', data: Buffer.from('little') }];
  for (const [k, d] of Object.entries(storages)) entries.push({ name: `archive/data/${k}`, data: d });
  entries.push({ name: 'archive/version', data: Buffer.from('3\n') });
  return Buffer.concat(writeZip(entries));
}

/** Legacy (torch < 1.6) persistent-id tensor: pid has 6 fields, the last is view metadata (None here). */
export function legacyTensorOps(cls: string, key: string, numel: number, offset: number, size: number[], stride: number[]): number[] {
  return [
    ...global('torch._utils', '_rebuild_tensor_v2'),
    ...op.MARK,
    ...tuple(str('storage'), global('torch', cls), str(key), str('cuda:0'), int(numel), [0x4e]),
    ...op.BINPERSID,
    ...int(offset),
    ...tuple(...size.map(int)),
    ...tuple(...stride.map(int)),
    ...op.NEWFALSE,
    ...global('collections', 'OrderedDict'),
    ...op.EMPTY_TUPLE,
    ...op.REDUCE,
    ...op.TUPLE,
    ...op.REDUCE,
  ];
}

/** A legacy torch file: magic, protocol, sys_info, object pickle, key list, raw storages (int64 numel + bytes). */
export function legacyFile(objectPickle: Uint8Array, storages: Array<[string, number, Uint8Array]>): Buffer {
  const magic = bytes(op.PROTO2, [0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19], op.STOP);
  const proto = bytes(op.PROTO2, [0x4d, 0xe9, 0x03], op.STOP);
  const sys = bytes(op.PROTO2, op.EMPTY_DICT, str('protocol_version'), [0x4d, 0xe9, 0x03], op.SETITEM, str('little_endian'), [0x88], op.SETITEM, op.STOP);
  const keys = bytes(op.PROTO2, op.EMPTY_LIST, op.MARK, storages.flatMap(([k]) => str(k)), [0x65], op.STOP);
  const raw = storages.map(([, numel, data]) => {
    const n = Buffer.alloc(8);
    n.writeBigInt64LE(BigInt(numel));
    return Buffer.concat([n, data]);
  });
  return Buffer.concat([magic, proto, sys, objectPickle, keys, ...raw]);
}
