/**
 * Pictures with words: an image scaled to a fixed width with caption lines
 * under it (test --show-dir, analyze-results), grids of such tiles with a
 * title, and boxes drawn over an image (vis-tokens). Built with sharp
 * composites of the image and SVG overlays.
 */
import sharp from 'sharp';
import { FONT, escapeXml, r, svgText } from './svg';

export interface CaptionLine {
  text: string;
  /** CSS colour (default near-black). */
  color?: string;
  bold?: boolean;
}

/** An image file, encoded bytes, or raw RGB pixels. */
export type ImageSource = string | Buffer | { rgb: Uint8Array; width: number; height: number };

const LINE_H = 18;

function open(src: ImageSource): sharp.Sharp {
  if (typeof src === 'string' || Buffer.isBuffer(src)) return sharp(src);
  return sharp(Buffer.from(src.rgb.buffer, src.rgb.byteOffset, src.rgb.byteLength), { raw: { width: src.width, height: src.height, channels: 3 } });
}

/** The image as RGB PNG, `width` pixels wide (small images are enlarged with nearest-neighbour so pixels stay visible). */
export async function scaledImage(src: ImageSource, width: number): Promise<{ png: Buffer; width: number; height: number }> {
  const img = open(src).removeAlpha();
  const meta = await img.metadata();
  const w0 = typeof src === 'object' && 'rgb' in src ? src.width : (meta.width ?? width);
  const h0 = typeof src === 'object' && 'rgb' in src ? src.height : (meta.height ?? width);
  const height = Math.max(1, Math.round((h0 * width) / w0));
  const png = await img.resize(width, height, { kernel: w0 < width ? 'nearest' : 'lanczos3', fit: 'fill' }).png().toBuffer();
  return { png, width, height };
}

/** Height of a tile with `lines` caption lines under a `imageHeight` image. */
export function captionedHeight(imageHeight: number, lines: number): number {
  return imageHeight + lines * LINE_H + 8;
}

/** The image `width` px wide with the caption lines under it, as PNG. */
export async function captionedImage(src: ImageSource, lines: CaptionLine[], width = 224): Promise<Buffer> {
  const img = await scaledImage(src, width);
  const band = lines.length * LINE_H + 8;
  const text = lines
    .map((l, i) => {
      // DejaVu Sans at 12 px: about 7 px per character, 8 in bold
      const maxChars = Math.floor((width - 8) / (l.bold ? 8 : 7));
      const t = l.text.length > maxChars ? `${l.text.slice(0, maxChars - 1)}…` : l.text;
      return svgText(4, LINE_H * (i + 1), t, 12, `fill="${l.color ?? '#222'}"${l.bold ? ' font-weight="bold"' : ''}`);
    })
    .join('');
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${band}"><rect width="100%" height="100%" fill="white"/><g font-family="${escapeXml(FONT)}">${text}</g></svg>`;
  return sharp({ create: { width, height: img.height + band, channels: 3, background: '#ffffff' } })
    .composite([
      { input: img.png, top: 0, left: 0 },
      { input: Buffer.from(svg), top: img.height, left: 0 },
    ])
    .png()
    .toBuffer();
}

/** Tiles (PNG buffers) in rows of `cols` under a title line; tiles may differ in size (cells take the largest). */
export async function tileGrid(tiles: Buffer[], cols: number, title: string, subtitle?: string): Promise<Buffer> {
  if (!tiles.length) throw new Error(`tileGrid '${title}': no tiles`);
  const metas = await Promise.all(tiles.map((t) => sharp(t).metadata()));
  const cw = Math.max(...metas.map((m) => m.width ?? 0));
  const ch = Math.max(...metas.map((m) => m.height ?? 0));
  const pad = 8;
  const head = subtitle ? 52 : 34;
  const n = Math.min(cols, tiles.length);
  const width = Math.max(n * (cw + pad) + pad, 360);
  const rows = Math.ceil(tiles.length / n);
  const height = head + rows * (ch + pad) + pad;
  const headSvg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${head}"><g font-family="${escapeXml(FONT)}" fill="#222">` +
    svgText(width / 2, 22, title, 17, 'text-anchor="middle" font-weight="bold"') +
    (subtitle ? svgText(width / 2, 42, subtitle, 13, 'text-anchor="middle" fill="#555"') : '') +
    '</g></svg>';
  return sharp({ create: { width, height, channels: 3, background: '#ffffff' } })
    .composite([
      { input: Buffer.from(headSvg), top: 0, left: 0 },
      ...tiles.map((t, i) => ({ input: t, left: pad + (i % n) * (cw + pad), top: head + Math.floor(i / n) * (ch + pad) })),
    ])
    .png()
    .toBuffer();
}

export interface GridOverlay {
  /** Rows and columns of the patch grid laid over the image. */
  rows: number;
  cols: number;
  /** Patch indices (row-major) drawn clear and outlined; the rest is shaded. */
  kept: Iterable<number>;
  color?: string;
}

/** The image (`size` px square) with the patches not in `kept` shaded dark and the kept ones outlined. */
export async function patchOverlay(src: ImageSource, size: number, o: GridOverlay): Promise<Buffer> {
  const img = await scaledImage(src, size);
  const kept = new Set(o.kept);
  const cw = img.width / o.cols;
  const ch = img.height / o.rows;
  const parts: string[] = [];
  for (let i = 0; i < o.rows * o.cols; i++) {
    const x = (i % o.cols) * cw;
    const y = Math.floor(i / o.cols) * ch;
    if (kept.has(i)) parts.push(`<rect x="${r(x + 0.5)}" y="${r(y + 0.5)}" width="${r(cw - 1)}" height="${r(ch - 1)}" fill="none" stroke="${o.color ?? '#ffd400'}" stroke-opacity="0.6" stroke-width="1"/>`);
    else parts.push(`<rect x="${r(x)}" y="${r(y)}" width="${r(cw)}" height="${r(ch)}" fill="#000" fill-opacity="0.7"/>`);
  }
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${img.width}" height="${img.height}">${parts.join('')}</svg>`;
  return sharp(img.png).composite([{ input: Buffer.from(svg), top: 0, left: 0 }]).png().toBuffer();
}
