/**
 * Writes an exported model (Node): `model.json` and tfjs weight shards
 * `group1-shardKofN.bin`, optionally quantised to float16 / uint8.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FER_CLASSES } from '../data/datasets/base';
import { testPipeline } from '../runner/api/infer';
import { withoutPretrained } from '../runner/api/build';
import type { InitializedModel } from '../runner/api/test';
import type { tf } from '../tf';
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION, type ExportDType, type ExportedModelJson } from './format';
import { preprocessSpec } from './preprocess';
import { toFloat16, toUint8 } from './quantize';

/** The model node without `data_preprocessor`: an export carries its preprocessing in `preprocess`. */
function withoutDataPreprocessor(node: unknown): Record<string, unknown> {
  const { data_preprocessor: _dp, ...rest } = node as Record<string, unknown>;
  return rest;
}

export interface ExportOptions {
  dtype?: ExportDType;
  /** Largest shard in bytes (default 4 MiB): small enough for HTTP caches, few enough requests. */
  shardBytes?: number;
  /** Called after each tensor is encoded: (done, total). */
  onProgress?: (done: number, total: number) => void;
}

export interface ExportReport {
  dir: string;
  dtype: ExportDType;
  tensors: number;
  parameters: number;
  /** [file name, bytes], model.json first. */
  files: Array<[string, number]>;
  /** What the same weights take as float32. */
  float32Bytes: number;
}

function ferMmVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('../../package.json') as { version: string }).version;
}

/** Encodes one float32/int32 tensor for `dtype`; non-float tensors are kept as they are. */
function encode(name: string, t: tf.Tensor, values: Float32Array | Int32Array, dtype: ExportDType): { entry: tf.io.WeightsManifestEntry; bytes: Uint8Array } {
  const shape = [...t.shape];
  if (t.dtype !== 'float32' || dtype === 'float32') {
    return { entry: { name, shape, dtype: t.dtype as 'float32' | 'int32' }, bytes: new Uint8Array(values.buffer, values.byteOffset, values.byteLength) };
  }
  if (dtype === 'float16') {
    const h = toFloat16(values as Float32Array);
    return { entry: { name, shape, dtype: 'float32', quantization: { dtype: 'float16' } }, bytes: new Uint8Array(h.buffer) };
  }
  const q = toUint8(values as Float32Array);
  return { entry: { name, shape, dtype: 'float32', quantization: { dtype: 'uint8', min: q.min, scale: q.scale } }, bytes: q.data };
}

/** Writes the export of `m` to `outDir` (created; existing shard files of an older export are removed). */
export async function exportModel(m: InitializedModel, outDir: string, opts: ExportOptions = {}): Promise<ExportReport> {
  const dtype = opts.dtype ?? 'float32';
  const shardBytes = opts.shardBytes ?? 4 * 1024 * 1024;
  if (!(shardBytes >= 1024)) throw new Error(`export: the shard size must be at least 1 KiB, got ${shardBytes} bytes`);
  const preprocess = preprocessSpec(testPipeline(m.cfg));
  fs.mkdirSync(outDir, { recursive: true });
  for (const f of fs.readdirSync(outDir)) if (/^group\d+-shard\d+of\d+\.bin$/.test(f)) fs.rmSync(path.join(outDir, f));

  const sd = [...m.model.stateDict()];
  const entries: tf.io.WeightsManifestEntry[] = [];
  const chunks: Uint8Array[] = [];
  let parameters = 0;
  let float32Bytes = 0;
  for (let i = 0; i < sd.length; i++) {
    const [name, v] = sd[i];
    const values = (await v.data()) as Float32Array | Int32Array;
    const { entry, bytes } = encode(name, v, values, dtype);
    entries.push(entry);
    chunks.push(bytes);
    parameters += v.size;
    float32Bytes += v.size * 4;
    opts.onProgress?.(i + 1, sd.length);
  }
  const total = chunks.reduce((n, c) => n + c.byteLength, 0);
  const all = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) (all.set(c, at), (at += c.byteLength));
  const n = Math.max(1, Math.ceil(total / shardBytes));
  const paths = Array.from({ length: n }, (_, k) => `group1-shard${k + 1}of${n}.bin`);
  const files: Array<[string, number]> = [];
  paths.forEach((p, k) => {
    const part = all.subarray(k * shardBytes, Math.min(total, (k + 1) * shardBytes));
    fs.writeFileSync(path.join(outDir, p), part);
    files.push([p, part.byteLength]);
  });

  const json: ExportedModelJson = {
    format: EXPORT_FORMAT,
    format_version: EXPORT_FORMAT_VERSION,
    fer_mm_version: ferMmVersion(),
    model: withoutDataPreprocessor(withoutPretrained(m.cfg.model)),
    classes: Array.isArray(m.meta.CLASSES) ? (m.meta.CLASSES as string[]) : FER_CLASSES,
    preprocess,
    dtype,
    weightsManifest: [{ paths, weights: entries }],
  };
  const text = JSON.stringify(json, null, 1);
  fs.writeFileSync(path.join(outDir, 'model.json'), text);
  files.unshift(['model.json', Buffer.byteLength(text)]);
  return { dir: outDir, dtype, tensors: sd.length, parameters, files, float32Bytes };
}

/** The size report: one row per file, then the total against float32. */
export function formatExportReport(r: ExportReport): string {
  const kb = (b: number) => `${(b / 1024).toFixed(1)} KiB`;
  const rows: Array<[string, string]> = r.files.map(([f, b]) => [f, kb(b)]);
  const total = r.files.reduce((s, [, b]) => s + b, 0);
  const weights = total - r.files[0][1];
  rows.push(['total', kb(total)]);
  rows.push([`weights (${r.dtype})`, `${kb(weights)} = ${((100 * weights) / r.float32Bytes).toFixed(1)}% of float32 (${kb(r.float32Bytes)})`]);
  const w = Math.max(...rows.map(([a]) => a.length));
  const lines = [`${'file'.padEnd(w)}  size`, `${'-'.repeat(w)}  ----`, ...rows.map(([a, b]) => `${a.padEnd(w)}  ${b}`)];
  return `${lines.join('\n')}\n${r.tensors} tensors, ${r.parameters} values`;
}
