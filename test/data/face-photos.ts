/** The test photo and copies derived from it (rotated, two faces side by side, grey, tiny, faceless). */
import * as path from 'node:path';
import { imread } from '../../src/data/image/io';
import { flip } from '../../src/data/image/image';
import { getRotationMatrix2D, warpAffineU8 } from '../../src/data/image/warp';
import type { ImageArray } from '../../src/data/types';

export const ASTRONAUT = path.resolve(__dirname, '../fixtures/faces/astronaut.jpg');

export function astronaut(opts: { grey?: boolean } = {}): Promise<ImageArray> {
  return imread(ASTRONAUT, { channelOrder: 'rgb', colorType: opts.grey ? 'grayscale' : 'color' });
}

/** Rotated counter-clockwise by `deg` about the centre (same size, black corners), and the matrix used. */
export function rotated(img: ImageArray, deg: number) {
  const [h, w] = img.shape;
  const m = getRotationMatrix2D(w / 2, h / 2, deg);
  return { image: warpAffineU8(img, m), matrix: m };
}

/** The photo and its mirror image side by side: two faces in one wide photo. */
export function twoFaces(img: ImageArray): ImageArray {
  const [h, w, c] = img.shape;
  const right = flip(img, 'horizontal').data;
  const out = new Uint8Array(h * w * 2 * c);
  for (let y = 0; y < h; y++) {
    out.set(img.data.subarray(y * w * c, (y + 1) * w * c), y * 2 * w * c);
    out.set(right.subarray(y * w * c, (y + 1) * w * c), (y * 2 + 1) * w * c);
  }
  return { data: out, shape: [h, 2 * w, c] };
}

/** Smooth colour gradients and stripes: no face. */
export function noFace(h = 200, w = 300): ImageArray {
  const out = new Uint8Array(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const o = (y * w + x) * 3;
      out[o] = (x * 255) / w;
      out[o + 1] = (y * 255) / h;
      out[o + 2] = Math.floor(x / 20) % 2 ? 200 : 40;
    }
  return { data: out, shape: [h, w, 3] };
}
