/** Stacks pipeline outputs into the batch contract (NHWC float32 images, Int32Array labels). */
import type { Batch, ImageArray, Results } from './types';

export function collate(samples: Results[], indices: number[]): Batch {
  if (samples.length === 0) throw new Error('collate: empty batch');
  const first = samples[0].img as ImageArray | undefined;
  if (!first) throw new Error(`collate: sample ${indices[0]} has no 'img' (does the pipeline end with Collect(['img', ...])?)`);
  const shapeOf = (im: ImageArray) => (im.layout === 'CHW' ? [im.shape[1], im.shape[2], im.shape[0]] : im.shape);
  const [H, W, C] = shapeOf(first);
  const per = H * W * C;
  const data = new Float32Array(samples.length * per);
  samples.forEach((s, b) => {
    const im = s.img as ImageArray | undefined;
    if (!im) throw new Error(`collate: sample ${indices[b]} has no 'img'`);
    const [h, w, c] = shapeOf(im);
    if (h !== H || w !== W || c !== C) {
      throw new Error(`collate: sample ${indices[b]} is ${h}x${w}x${c} but sample ${indices[0]} is ${H}x${W}x${C} (add a Resize/crop to the pipeline)`);
    }
    const off = b * per;
    if (im.layout === 'CHW') {
      const src = im.data;
      for (let k = 0; k < C; k++) for (let p = 0; p < H * W; p++) data[off + p * C + k] = src[k * H * W + p];
    } else data.set(im.data, off);
  });
  const batch: Batch = { img: { data, shape: [samples.length, H, W, C] }, indices: [...indices], img_metas: samples.map((s) => (s.img_metas as Record<string, unknown>) ?? {}) };
  if (samples.every((s) => typeof s.gt_label === 'number')) batch.gt_label = Int32Array.from(samples, (s) => s.gt_label as number);
  return batch;
}
