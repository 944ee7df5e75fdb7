/**
 * Deterministic synthetic FER data in RAF-DB layout: procedurally drawn faces
 * whose 7 expressions differ in mouth, brows and eyes, with random pose,
 * scale, skin tone, lighting, background and noise. Colour statistics are the
 * same for every class, so only the drawn features tell them apart.
 *
 *   OUT/EmoLabel/{train,test}.txt      `train_00001_aligned.jpg <RAF label 1..7>`
 *   OUT/Image/aligned/train_00001.jpg  (RAF data_prefix = OUT/Image/aligned)
 */
import { promises as fsp } from 'fs';
import * as path from 'path';
import sharp from 'sharp';
import { Rng } from '../utils/rng';
import { RAF_CONVERT_TABLE } from './datasets/raf';

export interface DemoDataOptions {
  train?: number;
  test?: number;
  seed?: number;
  size?: number;
  /** JPEG quality (default 92). */
  quality?: number;
  /** Called after each chunk of images is written: images done so far, out of train + test. */
  onProgress?: (done: number, total: number) => void;
}

export interface DemoDataSummary {
  dir: string;
  dataPrefix: string;
  train: number;
  test: number;
  size: number;
  seed: number;
  classCounts: { train: number[]; test: number[] };
}

/**
 * Bumped whenever the drawing changes, and written to `demo-meta.json`, so a
 * tool can tell a set made by an older generator (2: larger, higher-contrast
 * features that a small from-scratch APViT learns in a few epochs).
 */
export const DEMO_DATA_VERSION = 2;

/** FER class index (0 Anger .. 6 Neutral) -> RAF label 1..7. */
export function ferToRafLabel(c: number): number {
  return RAF_CONVERT_TABLE.indexOf(c) + 1;
}

interface Expr {
  eyeH: number;
  browIn: number; // v of the inner brow end
  browOut: number; // v of the outer brow end
  browArch: number;
  mouth: 'curve' | 'open' | 'O' | 'smile' | 'skew';
  mouthW: number;
  curve: number; // + = corners up (smile), - = frown
  mouthOpen: number;
  wrinkle: boolean;
}

// FER order: Anger, Disgust, Fear, Sadness, Happiness, Surprise, Neutral.
const EXPRESSIONS: Expr[] = [
  { eyeH: 0.06, browIn: -0.24, browOut: -0.52, browArch: 0, mouth: 'curve', mouthW: 0.26, curve: -0.04, mouthOpen: 0, wrinkle: false },
  { eyeH: 0.045, browIn: -0.34, browOut: -0.36, browArch: 0, mouth: 'skew', mouthW: 0.3, curve: 0.2, mouthOpen: 0, wrinkle: true },
  { eyeH: 0.15, browIn: -0.62, browOut: -0.44, browArch: 0, mouth: 'open', mouthW: 0.34, curve: 0, mouthOpen: 0.09, wrinkle: false },
  { eyeH: 0.065, browIn: -0.6, browOut: -0.32, browArch: 0, mouth: 'curve', mouthW: 0.3, curve: -0.2, mouthOpen: 0, wrinkle: false },
  { eyeH: 0.04, browIn: -0.46, browOut: -0.46, browArch: 0.05, mouth: 'smile', mouthW: 0.38, curve: 0.2, mouthOpen: 0, wrinkle: false },
  { eyeH: 0.16, browIn: -0.68, browOut: -0.66, browArch: 0.1, mouth: 'O', mouthW: 0.16, curve: 0, mouthOpen: 0.2, wrinkle: false },
  { eyeH: 0.085, browIn: -0.44, browOut: -0.44, browArch: 0, mouth: 'curve', mouthW: 0.28, curve: 0, mouthOpen: 0, wrinkle: false },
];

function segDist(px: number, py: number, ax: number, ay: number, bx: number, by: number): number {
  const dx = bx - ax;
  const dy = by - ay;
  const t = Math.max(0, Math.min(1, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - ax - t * dx, py - ay - t * dy);
}

/** Draws one face of FER class `cls` into an RGB buffer. */
export function drawFace(cls: number, size: number, rng: Rng): Uint8Array {
  const e = EXPRESSIONS[cls];
  const j = (s: number) => rng.uniform(-s, s);
  // Pose, scale, colours, lighting.
  const theta = (j(10) * Math.PI) / 180;
  const scale = rng.uniform(0.9, 1.05);
  const cx = size / 2 + j(0.04 * size);
  const cy = size / 2 + j(0.04 * size);
  const rx = size * rng.uniform(0.4, 0.45) * scale;
  const ry = size * rng.uniform(0.48, 0.53) * scale;
  const tone = rng.random();
  const skin = [255 - 140 * tone + j(12), 222 - 150 * tone + j(12), 190 - 145 * tone + j(12)];
  const bg = [rng.uniform(50, 210), rng.uniform(50, 210), rng.uniform(50, 210)];
  const bg2 = bg.map((v) => Math.max(0, Math.min(255, v + j(30))));
  const hair = [rng.uniform(10, 120), rng.uniform(5, 90), rng.uniform(0, 70)];
  const hairLine = rng.uniform(-0.88, -0.78);
  const lightAng = rng.uniform(0, 2 * Math.PI);
  const lightStr = rng.uniform(0.05, 0.3);
  const bright = rng.uniform(0.8, 1.15);
  const noise = rng.uniform(2, 9);
  // Expression parameters with jitter.
  const eyeH = Math.max(0.02, e.eyeH + j(0.012));
  const eyeY = -0.12 + j(0.03);
  const eyeX = 0.36 + j(0.03);
  const eyeW = 0.19 + j(0.015);
  const gaze = j(0.03);
  const bIn = e.browIn + j(0.03);
  const bOut = e.browOut + j(0.03);
  const browT = 0.07 + j(0.01);
  const mW = e.mouthW * (1 + j(0.1));
  const mY = 0.5 + j(0.04);
  const curve = e.curve + j(0.02);
  const open = e.mouthOpen * (1 + j(0.15));
  const lipT = 0.07 + j(0.01);
  const skewSign = rng.random() < 0.5 ? -1 : 1;
  // Lips: a darkened, reddened skin tone, so they contrast with every skin colour.
  const lip = [skin[0] * 0.25 + 70 + j(15), skin[1] * 0.12 + j(8), skin[2] * 0.15 + j(8)];
  const cos = Math.cos(theta);
  const sin = Math.sin(theta);
  const out = new Uint8Array(size * size * 3);
  // Cheap seeded noise (xorshift32, triangular distribution with the std of `noise`).
  let xs = rng.nextUint32() | 1;
  const tri = () => {
    xs ^= xs << 13;
    xs ^= xs >>> 17;
    xs ^= xs << 5;
    const a = (xs & 0xffff) / 65536;
    const b = (xs >>> 16) / 65536;
    return (a + b - 1) * 2.449;
  };
  const cosL = Math.cos(lightAng);
  const sinL = Math.sin(lightAng);
  const px = [0, 0, 0];
  const set = (c: ArrayLike<number>, m = 1) => {
    px[0] = c[0] * m;
    px[1] = c[1] * m;
    px[2] = c[2] * m;
  };
  const dark = [40, 25, 20];
  const brow = [25 + j(10), 18 + j(8), 12 + j(6)];
  const sclera = [235, 235, 230];
  const mouthIn = [50, 15, 20];
  const teeth = [240, 240, 235];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = x + 0.5 - cx;
      const dy = y + 0.5 - cy;
      const u = (cos * dx + sin * dy) / rx;
      const v = (-sin * dx + cos * dy) / ry;
      const t = (x + y) / (2 * size);
      px[0] = bg[0] * (1 - t) + bg2[0] * t;
      px[1] = bg[1] * (1 - t) + bg2[1] * t;
      px[2] = bg[2] * (1 - t) + bg2[2] * t;
      const r2 = u * u + v * v;
      if (r2 < 1) {
        const light = bright * (1 + lightStr * (cosL * u + sinL * v)) * (1 - 0.12 * r2);
        if (v < hairLine + 0.1 * u * u) set(hair, light);
        else set(skin, light);
        const au = Math.abs(u);
        // Eyes: sclera ellipse with an iris.
        const ex = (au - eyeX) / eyeW;
        const ey = (v - eyeY) / eyeH;
        if (ey < 1 && ey > -1 && ex * ex + ey * ey < 1) {
          const ix = au - eyeX - gaze * Math.sign(u);
          set(ix * ix + (v - eyeY) * (v - eyeY) < 0.075 * 0.075 ? dark : sclera);
        }
        // Brows: a thick segment from the inner to the outer end, optional arch.
        if (v < -0.15 && v > -0.85 && au > 0.08 && au < 0.6) {
          const archV = e.browArch ? e.browArch * Math.sin(Math.PI * Math.max(0, Math.min(1, (au - 0.14) / 0.38))) : 0;
          if (segDist(au, v + archV, 0.14, bIn, 0.52, bOut) < browT) set(brow);
        }
        // Nose.
        if (au < 0.02 + 0.05 * Math.max(0, v - 0.05) && v > 0.0 && v < 0.25) set(px, 0.85);
        if (e.wrinkle && v > 0 && v < 0.15 && segDist(au, v, 0.07, 0.02, 0.12, 0.12) < 0.022) set(px, 0.55);
        // Mouth.
        if (au < mW && v > 0.25) {
          const s = 1 - (u / mW) * (u / mW);
          const dv = v - mY;
          if (e.mouth === 'curve') {
            if (Math.abs(dv - (curve * s - curve)) < lipT) set(lip);
          } else if (e.mouth === 'skew') {
            if (Math.abs(dv + skewSign * curve * (u / mW) * 0.5) < lipT) set(lip);
          } else if (e.mouth === 'open') {
            const a = Math.abs(dv);
            const hgt = open * Math.sqrt(s);
            if (a < hgt + lipT * 0.6) set(a < hgt ? mouthIn : lip);
          } else if (e.mouth === 'O') {
            const q = (u / mW) ** 2 + ((dv - 0.03) / open) ** 2;
            if (q < 1) set(q < 0.6 ? mouthIn : lip);
          } else {
            // Smile: corners up, open, with teeth.
            const top = -curve + curve * 0.35 * s;
            const bot = -curve + curve * 1.2 * s;
            if (dv > top - lipT * 0.6 && dv < bot + lipT * 0.6) set(dv < top || dv > bot ? lip : dv < top + 0.05 ? teeth : mouthIn);
          }
        }
      }
      const o = (y * size + x) * 3;
      for (let k = 0; k < 3; k++) {
        const n = px[k] + noise * tri();
        out[o + k] = n < 0 ? 0 : n > 255 ? 255 : Math.round(n);
      }
    }
  }
  return out;
}

/** Generates the dataset; returns what was written. Same options -> same files. */
export async function makeDemoData(dir: string, opts: DemoDataOptions = {}): Promise<DemoDataSummary> {
  const train = opts.train ?? 3000;
  const test = opts.test ?? 700;
  const seed = opts.seed ?? 0;
  const size = opts.size ?? 112;
  const quality = opts.quality ?? 92;
  const imgDir = path.join(dir, 'Image', 'aligned');
  await fsp.mkdir(imgDir, { recursive: true });
  await fsp.mkdir(path.join(dir, 'EmoLabel'), { recursive: true });
  const classCounts = { train: new Array(7).fill(0), test: new Array(7).fill(0) };
  for (const [split, n, splitId] of [['train', train, 1], ['test', test, 2]] as const) {
    // Balanced classes in a seeded order.
    const order = Rng.derive(seed, splitId, 0x5eed).permutation(n).map((i) => i % 7);
    const lines: string[] = [];
    const jobs: Array<() => Promise<unknown>> = [];
    for (let i = 0; i < n; i++) {
      const cls = order[i];
      classCounts[split][cls]++;
      const name = `${split}_${String(i + 1).padStart(5, '0')}`;
      lines.push(`${name}_aligned.jpg ${ferToRafLabel(cls)}`);
      jobs.push(() => {
        const rgb = drawFace(cls, size, Rng.derive(seed, splitId, i));
        return sharp(Buffer.from(rgb.buffer), { raw: { width: size, height: size, channels: 3 } }).jpeg({ quality }).toFile(path.join(imgDir, `${name}.jpg`));
      });
    }
    for (let k = 0; k < jobs.length; k += 64) {
      await Promise.all(jobs.slice(k, k + 64).map((f) => f()));
      opts.onProgress?.((split === 'train' ? 0 : train) + Math.min(n, k + 64), train + test);
    }
    await fsp.writeFile(path.join(dir, 'EmoLabel', `${split}.txt`), lines.join('\n') + '\n');
  }
  const summary: DemoDataSummary = { dir, dataPrefix: imgDir, train, test, size, seed, classCounts };
  await fsp.writeFile(path.join(dir, 'demo-meta.json'), JSON.stringify({ train, test, size, seed, quality, version: DEMO_DATA_VERSION }, null, 2) + '\n');
  return summary;
}
