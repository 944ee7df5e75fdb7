/**
 * Weights made from host arrays (seeded initial values, loaded checkpoints)
 * must not keep those arrays as their memory: on tfjs-node a tensor wraps
 * the typed array it was made from, so `float32FromHost` reuses one staging
 * array and copies into TensorFlow's memory, and `loadStateDict` copies what
 * it loads.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { float32FromHost } from '../../src/nn/host-tensor';
import { uniform } from '../../src/nn/init';
import { Linear } from '../../src/nn/layers/linear';
import { Rng } from '../../src/utils/rng';
import { presentBackends } from '../harness/backends';

describe.each(presentBackends())('on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test('a tensor from the staging array keeps its values when the next one overwrites the array', () => {
    const a = float32FromHost([2, 3], (out) => out.set([1, 2, 3, 4, 5, 6]));
    const b = float32FromHost([3, 2], (out) => out.fill(-7));
    expect(Array.from(a.dataSync())).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(b.dataSync())).toEqual([-7, -7, -7, -7, -7, -7]);
    expect(a.shape).toEqual([2, 3]);
    tf.dispose([a, b]);
  });

  test('seeded initial values are the same on every backend and survive later draws', () => {
    const first = uniform([4, 5], -1, 1, new Rng(3));
    const want = new Rng(3);
    const expected = Array.from({ length: 20 }, () => Math.fround(want.uniform(-1, 1)));
    for (let i = 0; i < 3; i++) uniform([50, 50], -1, 1, new Rng(10 + i)).dispose();
    expect(Array.from(first.dataSync())).toEqual(expected);
    first.dispose();
  });

  test('loadStateDict copies the loaded values where a tensor would otherwise wrap the array (tensorflow)', () => {
    const m = new Linear({ inFeatures: 3, outFeatures: 2 });
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    m.loadStateDict(new Map([['weight', { dtype: 'float32', shape: [2, 3], data }], ['bias', { dtype: 'float32', shape: [2], data: new Float32Array([7, 8]) }]]));
    data.fill(0);
    const got = Array.from(m.weight.dataSync());
    // the cpu backend keeps a float32 array as the tensor's storage, as tf.tensor does there
    if (backend !== 'cpu') expect(got).toEqual([1, 2, 3, 4, 5, 6]);
    else expect(got).toEqual([0, 0, 0, 0, 0, 0]);
    m.dispose();
  });
});
