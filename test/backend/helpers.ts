/** Shared helpers for the backend tests: seeded data and cross-backend comparison. */
import { tf } from '../../src/tf';
import { initBackend, type BackendName } from '../../src/backend/backend';
export { presentBackends } from '../harness/backends';
import { Rng } from '../../src/utils/rng';

/** Seeded N(0,1) float32 data. */
export function randn(shape: number[], seed: number, scale = 1): { shape: number[]; data: Float32Array } {
  const rng = new Rng(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = rng.normal() * scale;
  return { shape, data };
}


/** Runs `fn` with `name` active and returns copies of the tensors it produced. */
export async function onBackend(name: BackendName, fn: () => tf.Tensor[]): Promise<Float32Array[]> {
  await initBackend(name);
  const before = tf.memory().numTensors;
  const outs = tf.tidy(fn);
  const data = outs.map((t) => Float32Array.from(t.dataSync()));
  tf.dispose(outs);
  const after = tf.memory().numTensors;
  if (after !== before) throw new Error(`${name}: ${after - before} tensors leaked`);
  return data;
}

/** max|a-b| / max|b| (norm-wise relative error). */
export function relErr(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new Error(`length mismatch ${a.length} vs ${b.length}`);
  let d = 0;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    if (Number.isNaN(a[i]) !== Number.isNaN(b[i])) return Infinity;
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return s === 0 ? d : d / s;
}

export const t = (d: { shape: number[]; data: Float32Array }): tf.Tensor => tf.tensor(d.data, d.shape, 'float32');
