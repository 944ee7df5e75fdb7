/**
 * cv2.warpAffine with bilinear interpolation and a constant border, bit for
 * bit on uint8: the inverse map is evaluated in 10-bit fixed point, snapped to
 * 1/32 pixel, and the four taps are weighted with the 15-bit table cv2 builds
 * (weights (32-ty)(32-tx)*32 etc., which always sum to 32768).
 */
import type { ImageArray } from '../types';
import { hwc } from './image';

/** 2x3 affine matrix, row-major: [a, b, c, d, e, f] maps (x, y) -> (ax+by+c, dx+ey+f). */
export type Affine = [number, number, number, number, number, number];

/** cv2.getRotationMatrix2D: positive angle = counter-clockwise (image y down). */
export function getRotationMatrix2D(cx: number, cy: number, angleDeg: number, scale = 1): Affine {
  const a = (angleDeg * Math.PI) / 180;
  const alpha = Math.cos(a) * scale;
  const beta = Math.sin(a) * scale;
  return [alpha, beta, (1 - alpha) * cx - beta * cy, -beta, alpha, beta * cx + (1 - alpha) * cy];
}

/** Inverts a forward affine map as cv2.warpAffine does without WARP_INVERSE_MAP. */
export function invertAffine(m: Affine): Affine {
  let D = m[0] * m[4] - m[1] * m[3];
  D = D !== 0 ? 1 / D : 0;
  const A11 = m[4] * D;
  const A22 = m[0] * D;
  const M1 = -m[1] * D;
  const M3 = -m[3] * D;
  const b1 = -A11 * m[2] - M1 * m[5];
  const b2 = -M3 * m[2] - A22 * m[5];
  return [A11, M1, b1, M3, A22, b2];
}

/** saturate_cast<int>(double): round half to even. */
function rint(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const AB_BITS = 10;
const AB_SCALE = 1 << AB_BITS;
const INTER_BITS = 5;
const TAB = 1 << INTER_BITS;

export interface WarpOptions {
  /** Output size (default: the input size). */
  outH?: number;
  outW?: number;
  /** Constant border value per channel (default 0). */
  borderValue?: number | number[];
  interpolation?: 'bilinear' | 'nearest';
}

/** Applies the forward affine `m` (cv2 convention) to a uint8 HWC image. */
export function warpAffineU8(img: ImageArray, m: Affine, opts: WarpOptions = {}): ImageArray {
  const { h, w, c } = hwc(img);
  if (!(img.data instanceof Uint8Array)) throw new Error('warpAffineU8 expects uint8 data');
  const src = img.data;
  const oh = opts.outH ?? h;
  const ow = opts.outW ?? w;
  const bv = Array.isArray(opts.borderValue)
    ? opts.borderValue
    : new Array(c).fill(opts.borderValue ?? 0);
  const M = invertAffine(m);
  const out = new Uint8Array(oh * ow * c);
  const nearest = opts.interpolation === 'nearest';
  const roundDelta = nearest ? AB_SCALE / 2 : AB_SCALE / TAB / 2;
  const adelta = new Int32Array(ow);
  const bdelta = new Int32Array(ow);
  for (let x = 0; x < ow; x++) {
    adelta[x] = rint(M[0] * x * AB_SCALE);
    bdelta[x] = rint(M[3] * x * AB_SCALE);
  }
  const pix = (yy: number, xx: number, k: number) =>
    xx >= 0 && xx < w && yy >= 0 && yy < h ? src[(yy * w + xx) * c + k] : bv[k];
  for (let y = 0; y < oh; y++) {
    const X0 = rint((M[1] * y + M[2]) * AB_SCALE) + roundDelta;
    const Y0 = rint((M[4] * y + M[5]) * AB_SCALE) + roundDelta;
    for (let x = 0; x < ow; x++) {
      const o = (y * ow + x) * c;
      if (nearest) {
        const sx = (X0 + adelta[x]) >> AB_BITS;
        const sy = (Y0 + bdelta[x]) >> AB_BITS;
        for (let k = 0; k < c; k++) out[o + k] = pix(sy, sx, k);
        continue;
      }
      const X = (X0 + adelta[x]) >> (AB_BITS - INTER_BITS);
      const Y = (Y0 + bdelta[x]) >> (AB_BITS - INTER_BITS);
      const sx = X >> INTER_BITS;
      const sy = Y >> INTER_BITS;
      const tx = X & (TAB - 1);
      const ty = Y & (TAB - 1);
      if (sx >= w || sx + 1 < 0 || sy >= h || sy + 1 < 0) {
        for (let k = 0; k < c; k++) out[o + k] = bv[k];
        continue;
      }
      const w00 = (TAB - ty) * (TAB - tx) * 32;
      const w01 = (TAB - ty) * tx * 32;
      const w10 = ty * (TAB - tx) * 32;
      const w11 = ty * tx * 32;
      for (let k = 0; k < c; k++) {
        const v =
          (pix(sy, sx, k) * w00 + pix(sy, sx + 1, k) * w01 + pix(sy + 1, sx, k) * w10 + pix(sy + 1, sx + 1, k) * w11 + (1 << 14)) >> 15;
        out[o + k] = v < 0 ? 0 : v > 255 ? 255 : v;
      }
    }
  }
  return { data: out, shape: [oh, ow, c] };
}

/** mmcv.imrotate(img, angle) with the default centre ((w-1)/2, (h-1)/2): positive angle = clockwise. */
export function imrotate(img: ImageArray, angleDeg: number, opts: { borderValue?: number | number[]; interpolation?: 'bilinear' | 'nearest' } = {}): ImageArray {
  const { h, w } = hwc(img);
  const m = getRotationMatrix2D((w - 1) * 0.5, (h - 1) * 0.5, -angleDeg, 1);
  return warpAffineU8(img, m, opts);
}
