import { resizeBilinearU8, Resize, type ImageArray } from '../../src/data';
import { Rng } from '../../src/utils/rng';

function randomImage(h: number, w: number, c: number, seed: number): ImageArray {
  const r = new Rng(seed);
  return { data: Uint8Array.from({ length: h * w * c }, () => r.randint(0, 255)), shape: [h, w, c] };
}

/**
 * cv2 INTER_LINEAR for uint8, restated from OpenCV's resize.cpp: 11-bit
 * weights, integer horizontal pass, vertical pass by the 128-bit SIMD kernel
 * for the first lanes of each row and the scalar formula for the tail.
 */
function cv2Reference(img: ImageArray, dh: number, dw: number): Uint8Array {
  const [h, w, c] = img.shape;
  const coef = (src: number, dst: number, clamp: boolean) =>
    Array.from({ length: dst }, (_, d) => {
      let f = Math.fround((d + 0.5) * (src / dst) - 0.5);
      let s = Math.floor(f);
      f = Math.fround(f - s);
      if (clamp && s < 0) (s = 0), (f = 0);
      if (clamp && s >= src - 1) (s = src - 1), (f = 0);
      const round = (x: number) => (Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x));
      return { s, a: round(Math.fround(1 - f) * 2048), b: round(f * 2048) };
    });
  const cx = coef(w, dw, true);
  const cy = coef(h, dh, false);
  const row = (y: number) => {
    const yy = Math.min(Math.max(y, 0), h - 1);
    const out: number[] = [];
    for (let x = 0; x < dw; x++)
      for (let k = 0; k < c; k++) {
        const x1 = Math.min(cx[x].s + 1, w - 1);
        out.push(img.data[(yy * w + cx[x].s) * c + k] * cx[x].a + img.data[(yy * w + x1) * c + k] * cx[x].b);
      }
    return out;
  };
  const W = dw * c;
  let simd = 0;
  while (simd + 16 <= W) simd += 16;
  while (simd + 8 < W) simd += 8;
  const out = new Uint8Array(dh * W);
  for (let y = 0; y < dh; y++) {
    const r0 = row(cy[y].s);
    const r1 = row(cy[y].s + 1);
    for (let x = 0; x < W; x++) {
      const v =
        x < simd
          ? (Math.floor(((r0[x] >> 4) * cy[y].a) / 65536) + Math.floor(((r1[x] >> 4) * cy[y].b) / 65536) + 2) >> 2
          : Math.floor((r0[x] * cy[y].a + r1[x] * cy[y].b + 2 ** 21) / 2 ** 22);
      out[y * W + x] = Math.min(255, Math.max(0, v));
    }
  }
  return out;
}

describe('Resize (cv2 INTER_LINEAR, uint8)', () => {
  it('hand-computed 1x3 -> 1x2 (weights 3/4, 1/4, half-pixel centres)', () => {
    // fx = (dx + 0.5) * 1.5 - 0.5 = 0.25, 1.75: 10*.75+20*.25 = 12.5 -> 13, 20*.25+40*.75 = 35
    const out = resizeBilinearU8({ data: Uint8Array.from([10, 20, 40]), shape: [1, 3, 1] }, 1, 2);
    expect(Array.from(out.data)).toEqual([13, 35]);
  });

  it('224 -> 112 equals floor((a + b + c + d + 2) / 4) per 2x2 block', () => {
    const img = randomImage(224, 224, 3, 1);
    const out = new Resize({ size: 112 }).transform({ img });
    expect(out.img!.shape).toEqual([112, 112, 3]);
    const d = img.data;
    let mism = 0;
    for (let y = 0; y < 112; y++)
      for (let x = 0; x < 112; x++)
        for (let k = 0; k < 3; k++) {
          const p = (2 * y * 224 + 2 * x) * 3 + k;
          const exp = Math.floor((d[p] + d[p + 3] + d[p + 224 * 3] + d[p + 224 * 3 + 3] + 2) / 4);
          if (out.img!.data[(y * 112 + x) * 3 + k] !== exp) mism++;
        }
    expect(mism).toBe(0);
    expect(out.img_shape).toEqual([112, 112, 3]);
  });

  it('matches the cv2 fixed-point formula at non-integer scales (down and up, SIMD lanes and tail)', () => {
    for (const [h, w, dh, dw, c] of [
      [30, 27, 17, 11, 3],
      [13, 9, 20, 31, 3],
      [7, 5, 7, 3, 1],
      [50, 61, 112, 112, 3],
    ]) {
      const img = randomImage(h, w, c, h * w);
      const out = resizeBilinearU8(img, dh, dw);
      expect(out.shape).toEqual([dh, dw, c]);
      expect(Array.from(out.data)).toEqual(Array.from(cv2Reference(img, dh, dw)));
    }
  });

  it('stays within 1 of exact float bilinear interpolation', () => {
    const img = randomImage(19, 23, 3, 5);
    const out = resizeBilinearU8(img, 10, 17);
    for (let y = 0; y < 10; y++)
      for (let x = 0; x < 17; x++) {
        const fy = Math.min(Math.max((y + 0.5) * 1.9 - 0.5, 0), 18);
        const fx = Math.min(Math.max((x + 0.5) * (23 / 17) - 0.5, 0), 22);
        const y0 = Math.floor(fy);
        const x0 = Math.floor(fx);
        const y1 = Math.min(y0 + 1, 18);
        const x1 = Math.min(x0 + 1, 22);
        const at = (yy: number, xx: number) => img.data[(yy * 23 + xx) * 3];
        const v = (1 - (fy - y0)) * ((1 - (fx - x0)) * at(y0, x0) + (fx - x0) * at(y0, x1)) + (fy - y0) * ((1 - (fx - x0)) * at(y1, x0) + (fx - x0) * at(y1, x1));
        expect(Math.abs(out.data[(y * 17 + x) * 3] - v)).toBeLessThanOrEqual(1);
      }
  });

  it('resizes the short edge with size [s, -1] and rejects bicubic', () => {
    const out = new Resize({ size: [10, -1] }).transform({ img: randomImage(20, 30, 3, 2) });
    expect(out.img!.shape).toEqual([10, 15, 3]);
    expect(() => new Resize({ size: 4, interpolation: 'bicubic' as never }).transform({ img: randomImage(8, 8, 3, 2) })).toThrow(/bicubic/);
  });
});
