/**
 * float32 -> float16 / uint8 encodings in the layout tfjs's
 * `tf.io.decodeWeights` reads back (IEEE half floats; uint8 affine:
 * value = q * scale + min, one min/scale per tensor).
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half-precision bits of `x`, rounded to nearest even (overflow -> inf, tiny -> subnormal/0). */
export function float16Bits(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / NaN
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    const rest = mant & ((1 << shift) - 1);
    let m = mant >>> shift;
    if (rest > half || (rest === half && m & 1)) m++;
    return sign | m;
  }
  const rest = mant & 0x1fff;
  let m = mant >>> 13;
  if (rest > 0x1000 || (rest === 0x1000 && m & 1)) {
    m++;
    if (m === 0x400) (m = 0), e++;
    if (e >= 0x1f) return sign | 0x7c00;
  }
  return sign | (e << 10) | m;
}

export function toFloat16(values: Float32Array): Uint16Array {
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = float16Bits(values[i]);
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
