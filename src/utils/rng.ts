/**
 * Seeded random numbers (sfc32), with a state that can be saved and restored
 * for exact resume. Every random transform draws from one of these; the loader
 * derives one per sample from (seed, epoch, index) so results do not depend on
 * how many workers decode.
 */
// Module-level copies: inside jest's vm sandbox every `Math.x` lookup goes
// through the contextified global and is several times slower in hot loops.
const { imul, floor, sqrt, log, sin, cos, PI } = Math;

export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spareNormal: number | null = null;

  constructor(seed: number | number[] = 0) {
    const parts = Array.isArray(seed) ? seed : [seed];
    // splitmix32 over the seed parts gives well-mixed initial words.
    let h = 0x9e3779b9;
    const mix = () => {
      h = (h + 0x9e3779b9) | 0;
      let z = h;
      z = imul(z ^ (z >>> 16), 0x85ebca6b);
      z = imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    for (const p of parts) h = (h ^ imul((p >>> 0) ^ floor(p / 2 ** 32), 0x27d4eb2d)) | 0;
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix() | 1;
    for (let i = 0; i < 12; i++) this.nextUint32();
  }

  /** A generator for a sub-stream, e.g. `rng.derive(epoch, index)`. Does not advance `this`. */
  static derive(...parts: number[]): Rng {
    return new Rng(parts);
  }

  nextUint32(): number {
    const t = (((this.a + this.b) | 0) + this.d) | 0;
    this.d = (this.d + 1) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.c = (this.c + t) | 0;
    return t >>> 0;
  }

  /** Uniform in [0, 1). */
  random(): number {
    return (this.nextUint32() * 2 ** 21 + (this.nextUint32() >>> 11)) / 2 ** 53;
  }

  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.random();
  }

  /** Integer in [lo, hi], both inclusive (Python's `random.randint`). */
  randint(lo: number, hi: number): number {
    return lo + floor(this.random() * (hi - lo + 1));
  }

  /** Standard normal (Box-Muller, caches the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const v = this.spareNormal;
      this.spareNormal = null;
      return v;
    }
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    const r = sqrt(-2 * log(u));
    this.spareNormal = r * sin(2 * PI * v);
    return r * cos(2 * PI * v);
  }

  /** Fisher-Yates shuffle in place. */
  shuffle<T>(arr: T[]): T[] {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = floor(this.random() * (i + 1));
      [arr[i], arr[j]] = [arr[j], arr[i]];
    }
    return arr;
  }

  /** A random permutation of 0..n-1. */
  permutation(n: number): number[] {
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  getState(): number[] {
    return [this.a, this.b, this.c, this.d, this.spareNormal ?? NaN];
  }

  setState(s: number[]): void {
    [this.a, this.b, this.c, this.d] = s.map((x) => x | 0);
    this.spareNormal = Number.isNaN(s[4]) || s[4] === undefined ? null : s[4];
  }
}
