/**
 * A photo with each face's box, its 5 landmarks and a label (tools/infer.ts
 * --detect --show-dir): sharp composites an SVG overlay on the photo.
 */
import sharp from 'sharp';
import { FONT, PALETTE, escapeXml, r } from './svg';

/** One face to draw. */
export interface FaceMark {
  box: [number, number, number, number];
  landmarks: [number, number][];
  label: string;
}

/** The photo file (or encoded bytes) as PNG with the faces drawn; `message` is written when there is no face. */
export async function drawFaces(src: string | Buffer, faces: FaceMark[], message?: string): Promise<Buffer> {
  // no EXIF rotation: the boxes are in the decoder's pixels, which ignore it too
  const img = sharp(src).removeAlpha();
  const { width = 1, height = 1 } = await img.metadata();
  const line = Math.max(2, Math.round(Math.min(width, height) / 200));
  const size = Math.max(12, Math.round(Math.min(width, height) / 28));
  const parts: string[] = [];
  faces.forEach((f, i) => {
    const color = PALETTE[i % PALETTE.length];
    const [x1, y1, x2, y2] = f.box;
    parts.push(`<rect x="${r(x1)}" y="${r(y1)}" width="${r(x2 - x1)}" height="${r(y2 - y1)}" fill="none" stroke="${color}" stroke-width="${line}"/>`);
    for (const [x, y] of f.landmarks) parts.push(`<circle cx="${r(x)}" cy="${r(y)}" r="${line}" fill="${color}"/>`);
    const ty = y1 - line * 2 > size ? y1 - line * 2 : y2 + size + line;
    parts.push(`<text x="${r(x1)}" y="${r(ty)}" font-family="${FONT}" font-size="${size}" font-weight="bold" fill="${color}" stroke="white" stroke-width="${line / 2}" paint-order="stroke">${escapeXml(f.label)}</text>`);
  });
  if (!faces.length && message) parts.push(`<text x="${size / 2}" y="${size * 1.5}" font-family="${FONT}" font-size="${size}" fill="#d62728" stroke="white" stroke-width="${line / 2}" paint-order="stroke">${escapeXml(message)}</text>`);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${parts.join('')}</svg>`;
  return img.composite([{ input: Buffer.from(svg), top: 0, left: 0 }]).png().toBuffer();
}
