/**
 * Exported weights <-> tensors. Browser-safe: the shard bytes come from the
 * caller (fs in Node, fetch in a browser).
 */
import { tf } from '../tf';
import type { ExportedModelJson } from './format';

/** Shard paths of the manifest, in the order their bytes concatenate. */
export function shardPaths(spec: ExportedModelJson): string[] {
  return spec.weightsManifest.flatMap((g) => g.paths);
}

/** Decodes the concatenated shards of each manifest group into named tensors (caller disposes them). */
export function decodeExportWeights(spec: ExportedModelJson, shards: ArrayBuffer[], where: string): Map<string, tf.Tensor> {
  const out = new Map<string, tf.Tensor>();
  let next = 0;
  for (const group of spec.weightsManifest) {
    const parts = shards.slice(next, next + group.paths.length);
    next += group.paths.length;
    const total = parts.reduce((n, b) => n + b.byteLength, 0);
    const want = group.weights.reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1) * bytesPerValue(w), 0);
    if (total !== want) throw new Error(`${where}: the weight shards hold ${total} bytes but the manifest describes ${want}`);
    const buf = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      buf.set(new Uint8Array(p), at);
      at += p.byteLength;
    }
    const named = tf.io.decodeWeights(buf.buffer, group.weights);
    for (const [k, t] of Object.entries(named)) out.set(k, t);
  }
  return out;
}

function bytesPerValue(w: tf.io.WeightsManifestEntry): number {
  const q = w.quantization?.dtype;
  if (q) return q === 'uint8' ? 1 : 2;
  return w.dtype === 'bool' ? 1 : 4;
}
