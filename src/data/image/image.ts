/** Small helpers over {@link ImageArray}s (HWC unless stated). */
import type { ImageArray } from '../types';

export function hwc(img: ImageArray): { h: number; w: number; c: number } {
  if (img.layout === 'CHW') throw new Error('expected an HWC image, got a CHW tensor (is ImageToTensor placed too early in the pipeline?)');
  const [h, w, c] = img.shape;
  return { h, w, c };
}

export function makeU8(h: number, w: number, c: number): ImageArray {
  return { data: new Uint8Array(h * w * c), shape: [h, w, c] };
}

export function requireU8(img: ImageArray, who: string): Uint8Array {
  if (!(img.data instanceof Uint8Array)) throw new Error(`${who} expects a uint8 image (place it before Normalize)`);
  return img.data;
}

/** Python's `round()`: half to even (used by mmcls/torchvision geometry). */
export function roundHalfEven(x: number): number {
  const f = Math.floor(x);
  const d = x - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** mmcv.imcrop with one bbox [x1, y1, x2, y2] (inclusive), clipped to the image. */
export function crop(img: ImageArray, x1: number, y1: number, x2: number, y2: number): ImageArray {
  const { h, w, c } = hwc(img);
  x1 = Math.min(Math.max(x1, 0), w - 1);
  x2 = Math.min(Math.max(x2, 0), w - 1);
  y1 = Math.min(Math.max(y1, 0), h - 1);
  y2 = Math.min(Math.max(y2, 0), h - 1);
  const ow = x2 - x1 + 1;
  const oh = y2 - y1 + 1;
  const Ctor = img.data.constructor as new (n: number) => Uint8Array | Float32Array;
  const out = new Ctor(oh * ow * c);
  for (let y = 0; y < oh; y++) {
    const src = ((y1 + y) * w + x1) * c;
    out.set(img.data.subarray(src, src + ow * c), y * ow * c);
  }
  return { data: out, shape: [oh, ow, c] };
}

/** Mirror along an axis: 'horizontal' (left-right), 'vertical' or 'diagonal'. */
export function flip(img: ImageArray, direction: 'horizontal' | 'vertical' | 'diagonal'): ImageArray {
  const { h, w, c } = hwc(img);
  const Ctor = img.data.constructor as new (n: number) => Uint8Array | Float32Array;
  const out = new Ctor(img.data.length);
  const fx = direction !== 'vertical';
  const fy = direction !== 'horizontal';
  for (let y = 0; y < h; y++) {
    const sy = fy ? h - 1 - y : y;
    for (let x = 0; x < w; x++) {
      const sx = fx ? w - 1 - x : x;
      const s = (sy * w + sx) * c;
      const d = (y * w + x) * c;
      for (let k = 0; k < c; k++) out[d + k] = img.data[s + k];
    }
  }
  return { data: out, shape: [h, w, c] };
}

/** Any channel count to 3 channels (gray replicated, alpha dropped). */
export function to3Channels(img: ImageArray): ImageArray {
  const { h, w, c } = hwc(img);
  if (c === 3) return img;
  const out = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++) {
    if (c === 1 || c === 2) {
      const v = img.data[i * c];
      out[i * 3] = v;
      out[i * 3 + 1] = v;
      out[i * 3 + 2] = v;
    } else {
      out[i * 3] = img.data[i * c];
      out[i * 3 + 1] = img.data[i * c + 1];
      out[i * 3 + 2] = img.data[i * c + 2];
    }
  }
  return { data: out, shape: [h, w, 3] };
}

/** Swaps channel 0 and 2 (RGB <-> BGR), returning a new image. */
export function swapRB(img: ImageArray): ImageArray {
  const { h, w, c } = hwc(img);
  const Ctor = img.data.constructor as new (n: number) => Uint8Array | Float32Array;
  const out = new Ctor(img.data.length);
  out.set(img.data);
  if (c >= 3) {
    for (let i = 0; i < h * w; i++) {
      out[i * c] = img.data[i * c + 2];
      out[i * c + 2] = img.data[i * c];
    }
  }
  return { data: out, shape: [h, w, c] };
}

/** cv2 COLOR_RGB2GRAY on uint8 (fixed point, 14 bits): channel 0 gets 0.299. */
export function rgb2grayU8(data: Uint8Array, h: number, w: number, c: number): Uint8Array {
  const out = new Uint8Array(h * w);
  for (let i = 0; i < h * w; i++) {
    const p = i * c;
    out[i] = (data[p] * 4899 + data[p + 1] * 9617 + data[p + 2] * 1868 + 8192) >> 14;
  }
  return out;
}
