import { tf } from '../../src/tf';

export function expectClose(got: ArrayLike<number>, want: ArrayLike<number>, tol = 1e-5): void {
  expect(got.length).toBe(want.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < want.length; i++) {
    const d = Math.abs(got[i] - want[i]);
    if (!(d <= tol * Math.max(1, Math.abs(want[i])))) {
      if (!(d <= worst)) {
        worst = d;
        at = i;
      }
    }
  }
  if (at >= 0) throw new Error(`mismatch at ${at}: got ${got[at]}, want ${want[at]} (|d|=${worst}, tol ${tol})`);
}

/** Deterministic pseudo-random floats in [-1, 1) (a tiny LCG; independent of the model's Rng). */
export function seq(n: number, seed = 1): Float32Array {
  const out = new Float32Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

export function setData(v: tf.Variable, data: Float32Array): void {
  v.assign(tf.tensor(data, v.shape));
}
