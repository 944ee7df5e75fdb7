/**
 * Renders a confusion matrix (rows: ground truth, columns: prediction) with
 * class names and counts to PNG: an SVG drawn here, rasterized by sharp.
 * Cell colour is the row-normalized fraction (a white-to-blue ramp, like
 * matplotlib's Blues); the text is the count and the row percentage.
 */
import { promises as fs } from 'fs';
import * as path from 'path';

export interface ConfusionPngOptions {
  title?: string;
  /** Pixel size of one cell (default 64). */
  cellSize?: number;
  /** Font size of cell text (default cellSize / 4.5). */
  fontSize?: number;
}

function escapeXml(s: string): string {
  return s.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c] as string);
}

/** Blues-like ramp: fraction 0 -> #f7fbff, 1 -> #08306b. */
export function bluesColor(f: number): [number, number, number] {
  const t = Math.min(1, Math.max(0, Number.isFinite(f) ? f : 0));
  const a = [0xf7, 0xfb, 0xff];
  const b = [0x08, 0x30, 0x6b];
  return a.map((v, i) => Math.round(v + (b[i] - v) * t)) as [number, number, number];
}

/** Geometry of the drawing: cell (i, j) spans x in [left + j*cell, +cell), y in [top + i*cell, +cell). */
export function confusionLayout(classes: string[], opts: ConfusionPngOptions = {}) {
  const n = classes.length;
  const cell = opts.cellSize ?? 64;
  const font = opts.fontSize ?? Math.max(8, Math.round(cell / 4.5));
  const labelW = Math.round(Math.max(60, Math.max(0, ...classes.map((c) => c.length)) * font * 0.62 + 16));
  const top = Math.round(opts.title ? font * 3 : font * 1.5);
  const left = Math.round(labelW + font * 1.6);
  const width = Math.ceil(left + n * cell + font);
  const height = Math.ceil(top + n * cell + labelW + font * 2);
  return { cell, font, labelW, top, left, width, height };
}

/** Builds the SVG text (exported for tests and for callers that want SVG). */
export function confusionMatrixSvg(cm: number[][], classes: string[], opts: ConfusionPngOptions = {}): string {
  const n = cm.length;
  if (!n || cm.some((r) => r.length !== n)) throw new Error(`confusion matrix must be square and non-empty (got ${n} rows)`);
  if (classes.length !== n) throw new Error(`confusion matrix has ${n} classes but ${classes.length} class names were given`);
  const { cell, font, top, left, width, height } = confusionLayout(classes, opts);
  const gridW = n * cell;
  const parts: string[] = [];
  parts.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`);
  parts.push(`<rect width="100%" height="100%" fill="white"/>`);
  parts.push(`<g font-family="DejaVu Sans, Arial, Helvetica, sans-serif" font-size="${font}">`);
  if (opts.title) parts.push(`<text x="${left + gridW / 2}" y="${font * 1.8}" text-anchor="middle" font-weight="bold">${escapeXml(opts.title)}</text>`);
  for (let i = 0; i < n; i++) {
    const rowSum = cm[i].reduce((a, b) => a + b, 0);
    for (let j = 0; j < n; j++) {
      const v = cm[i][j];
      const f = rowSum > 0 ? v / rowSum : 0;
      const [r, g, b] = bluesColor(f);
      const x = left + j * cell;
      const y = top + i * cell;
      parts.push(`<rect x="${x}" y="${y}" width="${cell}" height="${cell}" fill="rgb(${r},${g},${b})" stroke="#cccccc"/>`);
      const color = f > 0.5 ? 'white' : 'black';
      parts.push(`<text x="${x + cell / 2}" y="${y + cell / 2 - font * 0.1}" text-anchor="middle" fill="${color}">${v}</text>`);
      parts.push(
        `<text x="${x + cell / 2}" y="${y + cell / 2 + font * 1.0}" text-anchor="middle" fill="${color}" font-size="${Math.round(font * 0.75)}">${(f * 100).toFixed(1)}%</text>`,
      );
    }
    parts.push(`<text x="${left - 6}" y="${top + i * cell + cell / 2 + font / 3}" text-anchor="end">${escapeXml(classes[i])}</text>`);
  }
  for (let j = 0; j < n; j++) {
    const x = left + j * cell + cell / 2;
    const y = top + gridW + 6;
    parts.push(`<text transform="translate(${x},${y}) rotate(-45)" text-anchor="end" dy="${font * 0.8}">${escapeXml(classes[j])}</text>`);
  }
  parts.push(`<text transform="translate(${font},${top + gridW / 2}) rotate(-90)" text-anchor="middle" dy="${font * 0.35}">True label</text>`);
  parts.push(`<text x="${left + gridW / 2}" y="${height - font * 0.6}" text-anchor="middle">Predicted label</text>`);
  parts.push('</g></svg>');
  return parts.join('\n');
}

/** PNG bytes of the rendered matrix. */
export async function renderConfusionMatrixPng(cm: number[][], classes: string[], opts: ConfusionPngOptions = {}): Promise<Buffer> {
  const svg = confusionMatrixSvg(cm, classes, opts);
  // Loaded lazily: sharp is native and only this tool path needs it.
  const sharp = (await import('sharp')).default;
  return sharp(Buffer.from(svg)).png().toBuffer();
}

/** Writes the PNG to `file` (directories created). */
export async function saveConfusionMatrixPng(file: string, cm: number[][], classes: string[], opts: ConfusionPngOptions = {}): Promise<void> {
  const png = await renderConfusionMatrixPng(cm, classes, opts);
  await fs.mkdir(path.dirname(path.resolve(file)), { recursive: true });
  await fs.writeFile(file, png);
}

/** Plain-text matrix for consoles (right-aligned counts, class names on both axes). */
export function formatConfusionMatrix(cm: number[][], classes: string[]): string {
  const w = Math.max(5, ...classes.map((c) => c.length), ...cm.flat().map((v) => String(v).length)) + 1;
  const pad = (s: string) => s.padStart(w);
  const head = pad('gt\\pred') + classes.map((c) => pad(c)).join('');
  return [head, ...cm.map((row, i) => pad(classes[i]) + row.map((v) => pad(String(v))).join(''))].join('\n');
}
