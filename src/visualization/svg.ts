/**
 * SVG helpers shared by the analysis tools: text escaping, a palette, and
 * SVG -> PNG through sharp (librsvg renders the text with the system's
 * DejaVu/Arial/Helvetica, whichever is installed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';

export const FONT = 'DejaVu Sans, Arial, Helvetica, sans-serif';

/** Distinct line colours (matplotlib's tab10). */
export const PALETTE = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];

export function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

/** `<text>` element; `attrs` is extra raw attributes (anchor, weight, transform...). */
export function svgText(x: number, y: number, text: string, size: number, attrs = ''): string {
  return `<text x="${r(x)}" y="${r(y)}" font-size="${size}" ${attrs}>${escapeXml(text)}</text>`;
}

/** Rounds coordinates so the SVG stays small and stable. */
export function r(v: number): string {
  return String(Math.round(v * 10) / 10);
}

export async function svgToPngBuffer(svg: string): Promise<Buffer> {
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Writes `png` (a buffer) or renders `svg` text to `file`, creating its folder. */
export async function writePng(file: string, svgOrPng: string | Buffer): Promise<void> {
  const buf = typeof svgOrPng === 'string' ? await svgToPngBuffer(svgOrPng) : svgOrPng;
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  fs.writeFileSync(file, buf);
}
