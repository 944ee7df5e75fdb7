/** Tiny generated datasets for the data tests (written under os.tmpdir()). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import sharp from 'sharp';

export function tmpDir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `fer-data-${tag}-`));
}

/** A deterministic RGB pattern image of size h x w. */
export function pattern(h: number, w: number, seed: number): Buffer {
  const b = Buffer.alloc(h * w * 3);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < 3; k++) b[(y * w + x) * 3 + k] = (x * 37 + y * 11 + k * 70 + seed * 53) % 256;
  return b;
}

export async function writePng(file: string, h: number, w: number, seed: number): Promise<void> {
  await sharp(pattern(h, w, seed), { raw: { width: w, height: h, channels: 3 } }).png().toFile(file);
}

/**
 * A RAF-layout set: EmoLabel/train.txt with `<name>_aligned.png <label>`,
 * images under Image/aligned. `labels` are RAF labels 1..7.
 */
export async function makeTinyRaf(dir: string, labels: number[], size = 20): Promise<{ prefix: string; ann: string }> {
  const prefix = path.join(dir, 'Image', 'aligned');
  fs.mkdirSync(prefix, { recursive: true });
  fs.mkdirSync(path.join(dir, 'EmoLabel'), { recursive: true });
  const lines: string[] = [];
  for (let i = 0; i < labels.length; i++) {
    const name = `train_${String(i + 1).padStart(5, '0')}`;
    lines.push(`${name}_aligned.png ${labels[i]}`);
    await writePng(path.join(prefix, `${name}.png`), size, size, i);
  }
  const ann = path.join(dir, 'EmoLabel', 'train.txt');
  fs.writeFileSync(ann, lines.join('\n') + '\n');
  return { prefix, ann };
}

/** The official RAF train pipeline with the crop size scaled down for fast tests. */
export function rafTrainPipeline(size: number) {
  const norm = { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], to_rgb: true };
  return [
    { type: 'LoadImageFromFile' },
    { type: 'RandomRotate', prob: 0.5, degree: 6 },
    { type: 'RandomResizedCrop', size, scale: [0.8, 1.0], ratio: [1.0, 1.0] },
    { type: 'RandomFlip', flip_prob: 0.5, direction: 'horizontal' },
    { type: 'RandomGrayscale', gray_prob: 0.2 },
    { type: 'RandomAppliedTrans', transforms: [{ type: 'ColorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }], p: 0.8 },
    { type: 'Normalize', ...norm },
    { type: 'RandomErasing', p: 0.5, scale: [0.02, 0.33], ratio: [0.3, 3.3], value: 'random' },
    { type: 'ImageToTensor', keys: ['img'] },
    { type: 'ToTensor', keys: ['gt_label'] },
    { type: 'Collect', keys: ['img', 'gt_label'] },
  ];
}
