/** TensorData conversions: half/bfloat16 bit patterns, tfjs tensors. */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import {
  bf16ToFloat,
  floatToBf16,
  floatToHalf,
  fromFloat32,
  halfToFloat,
  makeTensorData,
  toFloat32,
  toTfTensor,
} from '../../src/checkpoint/tensor-data';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('TensorData', () => {
  test('float16 encode/decode (round to nearest even, subnormals, overflow)', () => {
    const cases: Array<[number, number]> = [
      [1, 0x3c00],
      [-2, 0xc000],
      [65504, 0x7bff],
      [1e6, 0x7c00],
      [2 ** -24, 0x0001],
      [2 ** -14, 0x0400],
      [0.1, 0x2e66],
      [1 + 2 ** -11, 0x3c00], // halfway → even
      [1 + 3 * 2 ** -11, 0x3c02], // halfway → even (up)
      [1e-9, 0],
    ];
    for (const [v, bits] of cases) expect(floatToHalf(v)).toBe(bits);
    expect(halfToFloat(0x3555)).toBeCloseTo(0.33325195, 8);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0xfc00)).toBe(-Infinity);
    expect(Number.isNaN(halfToFloat(0x7e00))).toBe(true);
  });

  test('bfloat16 encode/decode', () => {
    expect(floatToBf16(1)).toBe(0x3f80);
    expect(floatToBf16(1 + 2 ** -8)).toBe(0x3f80); // halfway → even
    expect(floatToBf16(1 + 3 * 2 ** -8)).toBe(0x3f82);
    expect(bf16ToFloat(0xc0a0)).toBe(-5);
    expect(Number.isNaN(bf16ToFloat(floatToBf16(NaN)))).toBe(true);
  });

  test('toFloat32 and toTfTensor for each kind', () => {
    expect(Array.from(toFloat32(makeTensorData('float16', [2], Uint16Array.from([0x3c00, 0xc000]))))).toEqual([1, -2]);
    expect(Array.from(toFloat32(makeTensorData('int64', [2], BigInt64Array.from([-3n, 4n]))))).toEqual([-3, 4]);
    const before = tf.memory().numTensors;
    const a = toTfTensor(makeTensorData('bfloat16', [1, 2], Uint16Array.from([0x3f80, 0x4040])));
    expect(a.dtype).toBe('float32');
    expect(a.shape).toEqual([1, 2]);
    expect(Array.from(a.dataSync())).toEqual([1, 3]);
    const b = toTfTensor(makeTensorData('int64', [2], BigInt64Array.from([7n, -1n])));
    expect(b.dtype).toBe('int32');
    expect(Array.from(b.dataSync())).toEqual([7, -1]);
    const c = toTfTensor(makeTensorData('uint8', [1], Uint8Array.from([200])));
    expect(c.dtype).toBe('int32');
    const d = toTfTensor(makeTensorData('float64', [1], Float64Array.from([0.5])));
    expect(d.dtype).toBe('float32');
    tf.dispose([a, b, c, d]);
    expect(tf.memory().numTensors).toBe(before);
  });

  test('makeTensorData checks length and array type', () => {
    expect(() => makeTensorData('float32', [2, 2], new Float32Array(3))).toThrow(/needs 4 float32 values, got 3/);
    expect(() => makeTensorData('int64', [1], new Int32Array(1) as never)).toThrow(/needs a BigInt64Array/);
    expect(fromFloat32([1.5], [1], 'float16').data[0]).toBe(0x3e00);
  });
});
