/**
 * Image file IO: decode with sharp (JPEG, PNG, WebP, TIFF, GIF...) or the
 * built-in BMP reader; always returns HWC uint8 in BGR order (cv2.imread
 * semantics: grayscale is expanded to 3 channels, alpha is dropped).
 */
import { promises as fsp } from 'fs';
import sharp from 'sharp';
import type { ImageArray } from '../types';
import { decodeBmp, isBmp } from './bmp';
import { DEFAULT_MAX_PIXELS, pixelLimitError, withDecodeSlot } from './decode-limits';

// libvips' operation cache only thrashes on a stream of distinct small images
// (decode time 3.6 ms -> 0.8 ms for 112x112 JPEGs with it off).
sharp.cache(false);

export type ColorType = 'color' | 'grayscale' | 'unchanged';

export interface DecodeOptions {
  colorType?: ColorType;
  channelOrder?: 'bgr' | 'rgb';
  /** Refuse images with more pixels (default DEFAULT_MAX_PIXELS), checked before decoding. */
  maxPixels?: number;
}

/**
 * Decodes encoded bytes to HWC uint8; `channelOrder` of the 3-channel result.
 * At most getMaxConcurrentDecodes() decodes run at once in a thread.
 */
export function decodeImage(bytes: Uint8Array, opts: DecodeOptions = {}): Promise<ImageArray> {
  return withDecodeSlot(() => decodeNow(bytes, opts));
}

async function decodeNow(bytes: Uint8Array, opts: DecodeOptions): Promise<ImageArray> {
  const order = opts.channelOrder ?? 'bgr';
  const maxPixels = opts.maxPixels ?? DEFAULT_MAX_PIXELS;
  let rgb: ImageArray;
  if (isBmp(bytes)) {
    const bgr = decodeBmp(bytes, maxPixels);
    rgb = swap(bgr);
  } else {
    // libvips checks the limit from the header, before allocating any pixel.
    const decoded = await sharp(bytes, { failOn: 'error', limitInputPixels: maxPixels })
      .removeAlpha()
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true })
      .catch(async (e: Error) => {
        if (!/pixel limit/i.test(e.message)) throw e;
        const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
        throw pixelLimitError(meta.width ?? 0, meta.height ?? 0, maxPixels);
      });
    const { data, info } = decoded;
    rgb = { data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), shape: [info.height, info.width, info.channels] };
  }
  const [h, w, c] = rgb.shape;
  if (opts.colorType === 'grayscale') {
    const out = new Uint8Array(h * w);
    for (let i = 0; i < h * w; i++) {
      if (c === 1) out[i] = rgb.data[i];
      // cv2 IMREAD_GRAYSCALE uses the RGB2GRAY fixed-point weights.
      else out[i] = (rgb.data[i * c] * 4899 + rgb.data[i * c + 1] * 9617 + rgb.data[i * c + 2] * 1868 + 8192) >> 14;
    }
    return { data: out, shape: [h, w, 1] };
  }
  if (opts.colorType === 'unchanged' && c === 1) return { data: copyU8(rgb.data), shape: [h, w, 1] };
  const src = rgb.data as Uint8Array;
  const out = new Uint8Array(h * w * 3);
  const n = h * w;
  const bgr = order === 'bgr';
  if (c >= 3) {
    for (let i = 0, p = 0, q = 0; i < n; i++, p += c, q += 3) {
      out[q] = bgr ? src[p + 2] : src[p];
      out[q + 1] = src[p + 1];
      out[q + 2] = bgr ? src[p] : src[p + 2];
    }
  } else {
    for (let i = 0, q = 0; i < n; i++, q += 3) out[q] = out[q + 1] = out[q + 2] = src[i * c];
  }
  return { data: out, shape: [h, w, 3] };
}

function copyU8(a: Uint8Array | Float32Array): Uint8Array {
  const o = new Uint8Array(a.length);
  o.set(a);
  return o;
}

function swap(img: ImageArray): ImageArray {
  const out = new Uint8Array(img.data.length);
  for (let i = 0; i < out.length; i += 3) {
    out[i] = img.data[i + 2];
    out[i + 1] = img.data[i + 1];
    out[i + 2] = img.data[i];
  }
  return { data: out, shape: img.shape };
}

/** Reads and decodes a file; errors carry the file name. */
export async function imread(file: string, opts: DecodeOptions = {}): Promise<ImageArray> {
  let bytes: Buffer;
  try {
    bytes = await fsp.readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `image file not found: ${file}` : `cannot read image file ${file}: ${(e as Error).message}`);
  }
  try {
    return await decodeImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength), opts);
  } catch (e) {
    throw new Error(`cannot decode image file ${file}: ${(e as Error).message}`);
  }
}

/** Encodes a HWC uint8 image (BGR unless `channelOrder: 'rgb'`) to PNG/JPEG/BMP by extension. */
export async function imwrite(file: string, img: ImageArray, opts: { channelOrder?: 'bgr' | 'rgb'; quality?: number } = {}): Promise<void> {
  const [h, w, c] = img.shape;
  const src = img.data instanceof Uint8Array ? img.data : Uint8Array.from(img.data, (v) => Math.max(0, Math.min(255, Math.round(v))));
  const rgb = opts.channelOrder === 'rgb' || c === 1 ? src : swap({ data: src, shape: [h, w, c] }).data;
  const lower = file.toLowerCase();
  if (lower.endsWith('.bmp')) {
    const { encodeBmp } = await import('./bmp');
    const bgr = c === 1 ? src : swap({ data: rgb, shape: [h, w, 3] }).data;
    await fsp.writeFile(file, encodeBmp({ data: bgr, shape: [h, w, c] }));
    return;
  }
  let s = sharp(Buffer.from(rgb.buffer, rgb.byteOffset, rgb.byteLength), { raw: { width: w, height: h, channels: c as 1 | 3 } });
  if (lower.endsWith('.jpg') || lower.endsWith('.jpeg')) s = s.jpeg({ quality: opts.quality ?? 95 });
  else s = s.png();
  await s.toFile(file);
}
