/**
 * Minimal BMP decoder (sharp/libvips ships without a BMP loader): uncompressed
 * 24/32-bit and 8-bit palettised (BI_RGB), 32-bit BI_BITFIELDS with the standard
 * masks, bottom-up or top-down. Returns BGR HWC uint8, like cv2.imread.
 */
import { pixelLimitError } from './decode-limits';
import type { ImageArray } from '../types';

export function isBmp(buf: Uint8Array): boolean {
  return buf.length >= 2 && buf[0] === 0x42 && buf[1] === 0x4d;
}

export function decodeBmp(buf: Uint8Array, maxPixels = Infinity): ImageArray {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.length < 54 || !isBmp(buf)) throw new Error('not a BMP file (too short or bad signature)');
  const dataOffset = dv.getUint32(10, true);
  const headerSize = dv.getUint32(14, true);
  if (headerSize < 40) throw new Error(`unsupported BMP header size ${headerSize}`);
  const width = dv.getInt32(18, true);
  const rawHeight = dv.getInt32(22, true);
  const bpp = dv.getUint16(28, true);
  const compression = dv.getUint32(30, true);
  const topDown = rawHeight < 0;
  const height = Math.abs(rawHeight);
  if (width <= 0 || height === 0) throw new Error(`bad BMP size ${width}x${rawHeight}`);
  if (width * height > maxPixels) throw pixelLimitError(width, height, maxPixels);
  if (!(compression === 0 || (compression === 3 && bpp === 32))) {
    throw new Error(`unsupported BMP compression ${compression} (only uncompressed BMPs are read)`);
  }
  if (![8, 24, 32].includes(bpp)) throw new Error(`unsupported BMP bit depth ${bpp} (8, 24 or 32 are read)`);
  const rowSize = Math.floor((bpp * width + 31) / 32) * 4;
  if (dataOffset + rowSize * height > buf.length) throw new Error('truncated BMP pixel data');
  let palette: Uint8Array | null = null;
  if (bpp === 8) {
    const nColors = dv.getUint32(46, true) || 256;
    palette = buf.subarray(14 + headerSize, 14 + headerSize + nColors * 4);
  }
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const srcRow = dataOffset + (topDown ? y : height - 1 - y) * rowSize;
    for (let x = 0; x < width; x++) {
      const o = (y * width + x) * 3;
      if (bpp === 8) {
        const idx = buf[srcRow + x] * 4;
        out[o] = palette![idx];
        out[o + 1] = palette![idx + 1];
        out[o + 2] = palette![idx + 2];
      } else {
        const s = srcRow + x * (bpp / 8);
        out[o] = buf[s];
        out[o + 1] = buf[s + 1];
        out[o + 2] = buf[s + 2];
      }
    }
  }
  return { data: out, shape: [height, width, 3] };
}

/** Encodes a BGR HWC uint8 image as a 24-bit bottom-up BMP (used by tests and tools). */
export function encodeBmp(img: ImageArray): Uint8Array {
  const [h, w, c] = img.shape;
  const rowSize = Math.floor((24 * w + 31) / 32) * 4;
  const buf = new Uint8Array(54 + rowSize * h);
  const dv = new DataView(buf.buffer);
  buf[0] = 0x42;
  buf[1] = 0x4d;
  dv.setUint32(2, buf.length, true);
  dv.setUint32(10, 54, true);
  dv.setUint32(14, 40, true);
  dv.setInt32(18, w, true);
  dv.setInt32(22, h, true);
  dv.setUint16(26, 1, true);
  dv.setUint16(28, 24, true);
  dv.setUint32(34, rowSize * h, true);
  for (let y = 0; y < h; y++) {
    const row = 54 + (h - 1 - y) * rowSize;
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * c;
      for (let k = 0; k < 3; k++) buf[row + x * 3 + k] = img.data[s + (c === 1 ? 0 : k)];
    }
  }
  return buf;
}
