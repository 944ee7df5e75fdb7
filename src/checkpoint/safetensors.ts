/**
 * The safetensors format: u64 LE header length N, N bytes of JSON
 * `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?: {str: str}}`
 * (padded with spaces to a multiple of 8), then the raw little-endian data;
 * offsets are relative to the start of the data section. Reads check every
 * size and offset against the file before touching the data.
 */
import * as fs from 'fs';
import { writeFileAtomic } from './atomic';
import { CheckpointError, withCheckpointErrors } from './errors';
import { JsonBudget, jsonBudgetProblem } from './json-budget';
import { DTYPE_ITEMSIZE, TensorData, TensorDType, numelOf, tensorArrayFromBytes, tensorBytes } from './tensor-data';

const TO_ST: Record<TensorDType, string> = {
  float32: 'F32',
  float64: 'F64',
  float16: 'F16',
  bfloat16: 'BF16',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
// A Map: the dtype string comes from the file ("constructor" must not find Object).
const FROM_ST = new Map<string, TensorDType>(Object.entries(TO_ST).map(([k, v]) => [v, k as TensorDType]));

/**
 * Budgets of the JSON header. Our headers nest 3 deep and hold 3 arrays or
 * objects per tensor; the size limit is the reference implementation's.
 */
export interface SafetensorsLimits extends JsonBudget {
  /** Largest header in bytes (default 100 MB, like the reference implementation). */
  maxHeaderBytes: number;
}

export const DEFAULT_SAFETENSORS_LIMITS: Readonly<SafetensorsLimits> = Object.freeze({
  maxHeaderBytes: 100_000_000,
  maxDepth: 16,
  maxContainers: 1 << 20,
});

export interface SafetensorsContents {
  /** In file (data offset) order. */
  tensors: Map<string, TensorData>;
  metadata: Record<string, string>;
}

export function encodeSafetensors(tensors: Map<string, TensorData>, metadata?: Record<string, string>): Uint8Array[] {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') throw new Error(`safetensors metadata '${k}' must be a string`);
    }
    header.__metadata__ = metadata;
  }
  const chunks: Uint8Array[] = [];
  let off = 0;
  for (const [name, t] of tensors) {
    if (name === '__metadata__') throw new Error("a tensor cannot be named '__metadata__'");
    const bytes = tensorBytes(t);
    if (bytes.byteLength !== numelOf(t.shape) * DTYPE_ITEMSIZE[t.dtype]) {
      throw new Error(`tensor '${name}': ${bytes.byteLength} bytes do not match shape [${t.shape.join(',')}] of ${t.dtype}`);
    }
    header[name] = { dtype: TO_ST[t.dtype], shape: t.shape, data_offsets: [off, off + bytes.byteLength] };
    chunks.push(bytes);
    off += bytes.byteLength;
  }
  const json = JSON.stringify(header);
  const jb = new TextEncoder().encode(json);
  const padded = new Uint8Array(Math.ceil(jb.length / 8) * 8).fill(0x20);
  padded.set(jb);
  const len = new Uint8Array(8);
  new DataView(len.buffer).setBigUint64(0, BigInt(padded.length), true);
  return [len, padded, ...chunks];
}

/** Atomically writes a safetensors file. */
export function writeSafetensors(file: string, tensors: Map<string, TensorData>, metadata?: Record<string, string>): void {
  writeFileAtomic(file, encodeSafetensors(tensors, metadata));
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

export function readSafetensorsBuffer(buf: Uint8Array, file: string, limits: Partial<SafetensorsLimits> = {}): SafetensorsContents {
  return withCheckpointErrors(file, () => readSafetensorsUnchecked(buf, file, limits));
}

function readSafetensorsUnchecked(buf: Uint8Array, file: string, limits: Partial<SafetensorsLimits>): SafetensorsContents {
  const lim: SafetensorsLimits = { ...DEFAULT_SAFETENSORS_LIMITS, ...limits };
  const bad = (msg: string): never => {
    throw new CheckpointError(file, `bad safetensors file: ${msg}`);
  };
  if (buf.byteLength < 8) bad(`only ${buf.byteLength} bytes`);
  const n64 = new DataView(buf.buffer, buf.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(buf.byteLength - 8)) bad(`header length ${n64} exceeds the file (${buf.byteLength} bytes)`);
  if (n64 > BigInt(lim.maxHeaderBytes)) bad(`header length ${n64} exceeds the limit of ${lim.maxHeaderBytes} bytes (limit maxHeaderBytes)`);
  const n = Number(n64);
  const headerBytes = buf.subarray(8, 8 + n);
  const problem = jsonBudgetProblem(headerBytes, lim);
  if (problem) bad(`header ${problem}`);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (e) {
    return bad(`header is not valid JSON (${(e as Error).message})`);
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) bad('header is not a JSON object');
  const h = header as Record<string, unknown>;
  const data = buf.subarray(8 + n);
  // Null prototype: keys come from the file.
  const metadata = Object.create(null) as Record<string, string>;
  if (Object.prototype.hasOwnProperty.call(h, '__metadata__')) {
    const m = h.__metadata__;
    if (m === null || typeof m !== 'object' || Array.isArray(m)) bad('__metadata__ is not an object');
    for (const [k, v] of Object.entries(m as object)) {
      if (typeof v !== 'string') bad(`__metadata__.${k} is not a string`);
      metadata[k] = v as string;
    }
  }
  const infos: Array<{ name: string; dtype: TensorDType; shape: number[]; begin: number; end: number }> = [];
  for (const [name, info] of Object.entries(h)) {
    if (name === '__metadata__') continue;
    const o = info as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!o || typeof o !== 'object') bad(`entry '${name}' is not an object`);
    const found = typeof o.dtype === 'string' ? FROM_ST.get(o.dtype) : undefined;
    if (!found) bad(`tensor '${name}' has unsupported dtype ${JSON.stringify(o.dtype)}`);
    if (!Array.isArray(o.shape) || !o.shape.every(isNonNegInt)) bad(`tensor '${name}' has an invalid shape`);
    const dtype = found as TensorDType;
    const off = o.data_offsets;
    if (!Array.isArray(off) || off.length !== 2 || !off.every(isNonNegInt) || off[0] > off[1]) {
      bad(`tensor '${name}' has invalid data_offsets`);
    }
    const [begin, end] = off as number[];
    if (end > data.byteLength) bad(`tensor '${name}' data [${begin}, ${end}) lies beyond the data section (${data.byteLength} bytes; truncated?)`);
    const shape = o.shape as number[];
    const numel = numelOf(shape);
    if (!Number.isSafeInteger(numel) || numel * DTYPE_ITEMSIZE[dtype] !== end - begin) {
      bad(`tensor '${name}' of shape [${shape.join(',')}] ${dtype} does not match its ${end - begin} data bytes`);
    }
    infos.push({ name, dtype, shape, begin, end });
  }
  infos.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < infos.length; i++) {
    if (infos[i].begin < infos[i - 1].end) bad(`tensors '${infos[i - 1].name}' and '${infos[i].name}' overlap`);
  }
  const tensors = new Map<string, TensorData>();
  for (const t of infos) {
    tensors.set(t.name, { dtype: t.dtype, shape: t.shape, data: tensorArrayFromBytes(t.dtype, data.subarray(t.begin, t.end)) });
  }
  return { tensors, metadata };
}

export function readSafetensors(file: string, limits: Partial<SafetensorsLimits> = {}): SafetensorsContents {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new CheckpointError(file, `cannot read: ${(e as Error).message}`);
  }
  return readSafetensorsBuffer(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), file, limits);
}

/**
 * True when the first bytes look like a safetensors header (length + '{').
 * Any length counts, so an absurd one is reported by the safetensors reader.
 */
export function looksLikeSafetensors(head: Uint8Array): boolean {
  if (head.byteLength < 9) return false;
  const n = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  return n > 1n && head[8] === 0x7b;
}
