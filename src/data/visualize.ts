/**
 * Pictures of pipeline outputs: undo Normalize / ImageToTensor and lay
 * labelled tiles out in a grid (used by tools/browse-dataset.ts).
 */
import type { ImageArray, Results } from './types';
import { chwToHwc } from './transforms/formatting';
import { drawText, textWidth } from './image/font';

export interface NormCfg {
  mean: number[];
  std: number[];
  to_rgb?: boolean;
}

/** The pipeline output image as RGB uint8 HWC: de-normalised with `norm` (from img_metas when absent). */
export function toDisplayRgb(results: Results, norm?: NormCfg | null): { rgb: Uint8Array; h: number; w: number } {
  const img0 = results.img as ImageArray | undefined;
  if (!img0) throw new Error('toDisplayRgb: the pipeline output has no img');
  const img = chwToHwc(img0);
  const [h, w, c] = img.shape;
  const metaNorm = (results.img_metas as Record<string, unknown> | undefined)?.img_norm_cfg ?? results.img_norm_cfg;
  const cfg = norm ?? (metaNorm as NormCfg | undefined) ?? null;
  const isFloat = img.data instanceof Float32Array;
  // Normalize(to_rgb=true) leaves RGB; otherwise the data is still BGR like mmcv.
  const isRgb = cfg ? cfg.to_rgb ?? true : false;
  const rgb = new Uint8Array(h * w * 3);
  for (let i = 0; i < h * w; i++) {
    for (let k = 0; k < 3; k++) {
      const src = c === 1 ? 0 : isRgb ? k : 2 - k;
      let v = img.data[i * c + src];
      if (cfg && isFloat) v = v * cfg.std[c === 1 ? 0 : src] + cfg.mean[c === 1 ? 0 : src];
      rgb[i * 3 + k] = v < 0 ? 0 : v > 255 ? 255 : Math.round(v);
    }
  }
  return { rgb, h, w };
}

export interface Tile {
  rgb: Uint8Array;
  h: number;
  w: number;
  label: string;
}

/** Tiles in rows of `cols` (default ceil(sqrt(n))), each with a label band; nearest-neighbour upscaled to `minSide`. */
export function makeGrid(tiles: Tile[], opts: { cols?: number; minSide?: number; pad?: number } = {}): { rgb: Uint8Array; w: number; h: number } {
  if (!tiles.length) throw new Error('makeGrid: no tiles');
  const cols = opts.cols ?? Math.ceil(Math.sqrt(tiles.length));
  const rows = Math.ceil(tiles.length / cols);
  const pad = opts.pad ?? 4;
  const side = Math.max(...tiles.map((t) => Math.max(t.h, t.w)));
  const up = Math.max(1, Math.ceil((opts.minSide ?? 112) / side));
  const cell = side * up;
  const band = 12;
  const W = cols * (cell + pad) + pad;
  const H = rows * (cell + band + pad) + pad;
  const out = new Uint8Array(W * H * 3).fill(32);
  tiles.forEach((t, n) => {
    const x0 = pad + (n % cols) * (cell + pad);
    const y0 = pad + Math.floor(n / cols) * (cell + band + pad);
    for (let y = 0; y < t.h * up; y++)
      for (let x = 0; x < t.w * up; x++) {
        const s = (Math.floor(y / up) * t.w + Math.floor(x / up)) * 3;
        const d = ((y0 + y) * W + x0 + x) * 3;
        out[d] = t.rgb[s];
        out[d + 1] = t.rgb[s + 1];
        out[d + 2] = t.rgb[s + 2];
      }
    let label = t.label;
    while (label.length > 1 && textWidth(label) > cell) label = label.slice(0, -1);
    drawText(out, W, H, x0 + 1, y0 + t.h * up + 3, label, [255, 255, 255]);
  });
  return { rgb: out, w: W, h: H };
}
