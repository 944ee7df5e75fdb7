/**
 * float32 -> float16 / uint8 encodings in the layout tfjs's
 * `tf.io.decodeWeights` reads back (IEEE half floats; uint8 affine:
 * value = q * scale + min, one min/scale per tensor).
 */
import { floatToHalf } from '../contracts/tensor-data';

export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = floatToHalf(values[i]);
  return out;
}

export interface Uint8Quantized {
  data: Uint8Array;
  min: number;
  scale: number;
}

/** Per-tensor affine uint8: q = round((v - min) / scale), scale = (max - min) / 255 (1 for a constant tensor). */
export function toUint8(values: Float32Array): Uint8Quantized {
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (!values.length) (min = 0), (max = 0);
  if (!Number.isFinite(min) || !Number.isFinite(max)) throw new Error('uint8 quantisation: the tensor holds inf or NaN');
  // float32-rounded, as tfjs decodes with float32 arithmetic
  min = Math.fround(min);
  const scale = max > min ? Math.fround((max - min) / 255) : 1;
  const data = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) data[i] = Math.min(255, Math.max(0, Math.round((values[i] - min) / scale)));
  return { data, min, scale };
}
