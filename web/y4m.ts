/** (Node) A still picture as a short Y4M video (4:2:0, BT.601 full range) for Chromium's fake webcam. */
import * as fs from 'node:fs';
import type { ImageArray } from '../src/data/types';

export function writeY4m(file: string, rgb: ImageArray, frames = 5): void {
  const [h, w] = rgb.shape;
  if (h % 2 || w % 2) throw new Error(`writeY4m: ${w}x${h} must be even`);
  const px = rgb.data;
  const y = new Uint8Array(w * h);
  const u = new Uint8Array((w * h) / 4);
  const v = new Uint8Array((w * h) / 4);
  const clamp = (x: number) => Math.max(0, Math.min(255, Math.round(x)));
  for (let i = 0; i < w * h; i++) y[i] = clamp(0.299 * px[3 * i] + 0.587 * px[3 * i + 1] + 0.114 * px[3 * i + 2]);
  for (let j = 0; j < h / 2; j++)
    for (let i = 0; i < w / 2; i++) {
      let r = 0, g = 0, b = 0;
      for (const [dy, dx] of [[0, 0], [0, 1], [1, 0], [1, 1]]) {
        const o = 3 * ((2 * j + dy) * w + 2 * i + dx);
        r += px[o] / 4;
        g += px[o + 1] / 4;
        b += px[o + 2] / 4;
      }
      u[j * (w / 2) + i] = clamp(128 - 0.168736 * r - 0.331264 * g + 0.5 * b);
      v[j * (w / 2) + i] = clamp(128 + 0.5 * r - 0.418688 * g - 0.081312 * b);
    }
  const frame = Buffer.concat([Buffer.from('FRAME\n'), y, u, v]);
  fs.writeFileSync(file, Buffer.concat([Buffer.from(`YUV4MPEG2 W${w} H${h} F10:1 Ip A1:1 C420jpeg\n`), ...Array(frames).fill(frame)]));
}

/** `img` placed at (`x`, `y`) on a black `w`x`h` frame (cropped where it does not fit). */
export function onFrame(img: ImageArray, w: number, h: number, x: number, y: number): ImageArray {
  const [ih, iw, c] = img.shape;
  const out = new Uint8Array(w * h * c);
  for (let r = 0; r < ih; r++) {
    const oy = r + y;
    if (oy < 0 || oy >= h) continue;
    for (let q = 0; q < iw; q++) {
      const ox = q + x;
      if (ox < 0 || ox >= w) continue;
      for (let k = 0; k < c; k++) out[(oy * w + ox) * c + k] = img.data[(r * iw + q) * c + k];
    }
  }
  return { data: out, shape: [h, w, c] };
}
