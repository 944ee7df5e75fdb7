/**
 * Conversion of checkpoint tensors (the `TensorData` contract of
 * `src/checkpoint/tensor-data.ts`) into tfjs tensors. Declared structurally here
 * so the module layer does not depend on the checkpoint reader.
 */
import { tf } from '../tf';

export interface TensorDataLike {
  dtype: 'float32' | 'float64' | 'float16' | 'bfloat16' | 'int64' | 'int32' | 'uint8' | 'int8' | 'int16' | 'bool';
  shape: number[];
  data: Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array | Uint8Array | Int8Array | Int16Array;
}

function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Float tensors become float32, integer and bool tensors int32 (int64 values must fit in int32). */
export function tensorDataToTf(t: TensorDataLike): tf.Tensor {
  const n = t.shape.reduce((a, b) => a * b, 1);
  if (t.data.length !== n) throw new Error(`tensor data has ${t.data.length} elements but shape [${t.shape}] needs ${n}`);
  switch (t.dtype) {
    case 'float32':
      return tf.tensor(t.data as Float32Array, t.shape, 'float32');
    case 'float64':
      return tf.tensor(Float32Array.from(t.data as Float64Array), t.shape, 'float32');
    case 'float16': {
      const src = t.data as Uint16Array;
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(src[i]);
      return tf.tensor(out, t.shape, 'float32');
    }
    case 'bfloat16': {
      const src = t.data as Uint16Array;
      const u = new Uint32Array(n);
      for (let i = 0; i < n; i++) u[i] = src[i] << 16;
      return tf.tensor(new Float32Array(u.buffer), t.shape, 'float32');
    }
    case 'int64': {
      const src = t.data as BigInt64Array;
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = src[i];
        if (v > 2147483647n || v < -2147483648n) throw new Error(`int64 value ${v} does not fit in int32`);
        out[i] = Number(v);
      }
      return tf.tensor(out, t.shape, 'int32');
    }
    default:
      return tf.tensor(Int32Array.from(t.data as Int32Array), t.shape, 'int32');
  }
}
