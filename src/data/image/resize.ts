/**
 * cv2.resize(INTER_LINEAR) for uint8 images, bit for bit.
 *
 * OpenCV computes source positions with half-pixel centres
 * (`fx = (dx + 0.5) * scale - 0.5`), no antialias, quantises the 1-D weights to
 * 11-bit fixed point (x2048, rounded), does an exact integer horizontal pass,
 * and a vertical pass whose rounding depends on the code path: the 128-bit
 * SIMD kernel (SSE2/NEON, used by opencv-python builds) pre-shifts by 4 and
 * keeps the high 16 bits of each product; the scalar tail rounds once at the
 * end. Both are reproduced, lane layout included. An exact 2x downscale takes
 * cv2's INTER_AREA fast path: `(a + b + c + d + 2) >> 2`.
 */
import type { ImageArray } from '../types';
import { hwc } from './image';

const COEF_BITS = 11;
const COEF_SCALE = 1 << COEF_BITS;

/** cvRound on a float: round half to even. */
function cvRound(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export interface ResizeOptions {
  /** Vertical-pass arithmetic: 'simd128' (opencv-python on x86/ARM) or 'scalar' (cv2 built without SIMD). */
  vertical?: 'simd128' | 'scalar';
}

/** Per-axis source indices and fixed-point weights, as cv2's resizeGeneric computes them. */
function axisTable(src: number, dst: number, clampCoeffs: boolean) {
  const scale = 1 / (dst / src);
  const ofs = new Int32Array(dst);
  const a0 = new Int32Array(dst);
  const a1 = new Int32Array(dst);
  for (let d = 0; d < dst; d++) {
    let f = Math.fround((d + 0.5) * scale - 0.5);
    let s = Math.floor(f);
    f = Math.fround(f - s);
    if (clampCoeffs) {
      if (s < 0) {
        f = 0;
        s = 0;
      }
      if (s >= src - 1) {
        f = 0;
        s = src - 1;
      }
    }
    ofs[d] = s;
    a0[d] = cvRound(Math.fround(1 - f) * COEF_SCALE);
    a1[d] = cvRound(f * COEF_SCALE);
  }
  return { ofs, a0, a1 };
}

/** Resizes a uint8 HWC image to `dstH x dstW` exactly like cv2 INTER_LINEAR. */
export function resizeBilinearU8(img: ImageArray, dstH: number, dstW: number, opts: ResizeOptions = {}): ImageArray {
  const { h, w, c } = hwc(img);
  if (!(img.data instanceof Uint8Array)) throw new Error('resizeBilinearU8 expects uint8 data');
  if (dstH <= 0 || dstW <= 0) throw new Error(`resize: target size must be positive, got ${dstH}x${dstW}`);
  const src = img.data;
  const out = new Uint8Array(dstH * dstW * c);
  if (dstH === h && dstW === w) {
    out.set(src);
    return { data: out, shape: [h, w, c] };
  }
  if (h === dstH * 2 && w === dstW * 2) {
    // INTER_AREA fast path taken by cv2 for an exact 2x downscale.
    const rs = w * c;
    for (let y = 0; y < dstH; y++) {
      for (let x = 0; x < dstW; x++) {
        for (let k = 0; k < c; k++) {
          const p = (2 * y) * rs + 2 * x * c + k;
          out[(y * dstW + x) * c + k] = (src[p] + src[p + c] + src[p + rs] + src[p + rs + c] + 2) >> 2;
        }
      }
    }
    return { data: out, shape: [dstH, dstW, c] };
  }
  const xt = axisTable(w, dstW, true);
  const yt = axisTable(h, dstH, false);
  const rowW = dstW * c;
  // Horizontal pass of one source row into an int buffer (exact integer math).
  const hpass = (sy: number, buf: Int32Array) => {
    const base = sy * w * c;
    for (let dx = 0; dx < dstW; dx++) {
      const sx = xt.ofs[dx];
      const b0 = xt.a0[dx];
      const b1 = xt.a1[dx];
      const sx1 = Math.min(sx + 1, w - 1);
      for (let k = 0; k < c; k++) {
        buf[dx * c + k] = src[base + sx * c + k] * b0 + src[base + sx1 * c + k] * b1;
      }
    }
  };
  // Which columns of the row the SIMD kernel covers (16 lanes, then 8, then scalar).
  let simdEnd = 0;
  if (opts.vertical !== 'scalar') {
    let x = 0;
    for (; x <= rowW - 16; x += 16);
    for (; x < rowW - 8; x += 8);
    simdEnd = x;
  }
  const r0 = new Int32Array(rowW);
  const r1 = new Int32Array(rowW);
  let have0 = -1;
  let have1 = -1;
  for (let dy = 0; dy < dstH; dy++) {
    const s0 = Math.min(Math.max(yt.ofs[dy], 0), h - 1);
    const s1 = Math.min(Math.max(yt.ofs[dy] + 1, 0), h - 1);
    if (have0 !== s0) {
      hpass(s0, r0);
      have0 = s0;
    }
    if (have1 !== s1) {
      hpass(s1, r1);
      have1 = s1;
    }
    const b0 = yt.a0[dy];
    const b1 = yt.a1[dy];
    const o = dy * rowW;
    for (let x = 0; x < rowW; x++) {
      let v: number;
      if (x < simdEnd) {
        const t0 = (Math.min((r0[x] >> 4), 32767) * b0) >> 16;
        const t1 = (Math.min((r1[x] >> 4), 32767) * b1) >> 16;
        v = (t0 + t1 + 2) >> 2;
      } else {
        v = (r0[x] * b0 + r1[x] * b1 + (1 << 21)) >> 22;
      }
      out[o + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return { data: out, shape: [dstH, dstW, c] };
}

/** Bilinear resize of a float32 HWC image (cv2 float path: float weights, no quantisation). */
export function resizeBilinearF32(img: ImageArray, dstH: number, dstW: number): ImageArray {
  const { h, w, c } = hwc(img);
  const src = img.data;
  const out = new Float32Array(dstH * dstW * c);
  const sx = w / dstW;
  const sy = h / dstH;
  for (let dy = 0; dy < dstH; dy++) {
    const fy = (dy + 0.5) * sy - 0.5;
    let y0 = Math.floor(fy);
    let wy = fy - y0;
    if (y0 < 0) (y0 = 0), (wy = 0);
    const y1 = Math.min(y0 + 1, h - 1);
    if (y0 >= h - 1) (y0 = h - 1), (wy = 0);
    for (let dx = 0; dx < dstW; dx++) {
      const fx = (dx + 0.5) * sx - 0.5;
      let x0 = Math.floor(fx);
      let wx = fx - x0;
      if (x0 < 0) (x0 = 0), (wx = 0);
      if (x0 >= w - 1) (x0 = w - 1), (wx = 0);
      const x1 = Math.min(x0 + 1, w - 1);
      for (let k = 0; k < c; k++) {
        const a = src[(y0 * w + x0) * c + k] * (1 - wx) + src[(y0 * w + x1) * c + k] * wx;
        const b = src[(y1 * w + x0) * c + k] * (1 - wx) + src[(y1 * w + x1) * c + k] * wx;
        out[(dy * dstW + dx) * c + k] = a * (1 - wy) + b * wy;
      }
    }
  }
  return { data: out, shape: [dstH, dstW, c] };
}

/** cv2 INTER_NEAREST: `sx = min(floor(dx * scale), w - 1)`. */
export function resizeNearest(img: ImageArray, dstH: number, dstW: number): ImageArray {
  const { h, w, c } = hwc(img);
  const Ctor = img.data.constructor as new (n: number) => Uint8Array | Float32Array;
  const out = new Ctor(dstH * dstW * c);
  const ix = w / dstW;
  const iy = h / dstH;
  for (let dy = 0; dy < dstH; dy++) {
    const sy = Math.min(Math.floor(dy * iy), h - 1);
    for (let dx = 0; dx < dstW; dx++) {
      const sx = Math.min(Math.floor(dx * ix), w - 1);
      for (let k = 0; k < c; k++) out[(dy * dstW + dx) * c + k] = img.data[(sy * w + sx) * c + k];
    }
  }
  return { data: out, shape: [dstH, dstW, c] };
}

/** Resize dispatcher used by the transforms (mmcv interpolation names). */
export function imresize(img: ImageArray, dstH: number, dstW: number, interpolation = 'bilinear'): ImageArray {
  if (interpolation === 'nearest') return resizeNearest(img, dstH, dstW);
  if (interpolation !== 'bilinear') {
    throw new Error(`resize: interpolation '${interpolation}' is not supported (use 'bilinear' or 'nearest')`);
  }
  return img.data instanceof Uint8Array ? resizeBilinearU8(img, dstH, dstW) : resizeBilinearF32(img, dstH, dstW);
}
