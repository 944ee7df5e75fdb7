/**
 * Browser preprocessing: the exported test-pipeline steps (Resize,
 * CenterCrop, Normalize) run through the framework's own transforms, so a
 * browser-decoded image gets the very arithmetic of the Node test pipeline
 * (cv2-exact bilinear resize, float32 normalisation).
 */
/// <reference lib="dom" />
import '../data/transforms/geometric';
import '../data/transforms/normalize';
import type { Results, Transform } from '../data/types';
import type { PreprocessSpec } from '../export/format';
import { TRANSFORMS } from '../registry/root';
import { Rng } from '../utils/rng';

/** RGBA pixels as in ImageData. */
export interface Rgba {
  data: Uint8ClampedArray | Uint8Array;
  width: number;
  height: number;
}

export type ImageSource = Rgba | HTMLImageElement | HTMLCanvasElement | HTMLVideoElement | ImageBitmap | OffscreenCanvas;

/** The RGBA pixels of an image at its natural size (no browser scaling: resizing is the pipeline's job). */
export function rgbaOf(src: ImageSource): Rgba {
  if ('data' in src) return src;
  const w = 'naturalWidth' in src ? src.naturalWidth : 'videoWidth' in src ? src.videoWidth : src.width;
  const h = 'naturalHeight' in src ? src.naturalHeight : 'videoHeight' in src ? src.videoHeight : src.height;
  if (!w || !h) throw new Error('preprocess: the image has no pixels yet (not loaded?)');
  const canvas = typeof OffscreenCanvas !== 'undefined' ? new OffscreenCanvas(w, h) : Object.assign(document.createElement('canvas'), { width: w, height: h });
  const ctx = canvas.getContext('2d', { willReadFrequently: true }) as CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D | null;
  if (!ctx) throw new Error('preprocess: no 2d canvas context');
  ctx.drawImage(src as CanvasImageSource, 0, 0);
  return ctx.getImageData(0, 0, w, h);
}

/** Builds the exported steps once; returns image -> normalised HWC float32 pixels of `spec.size`. */
export function makePreprocess(spec: PreprocessSpec): (img: Rgba) => Promise<{ data: Float32Array; shape: [number, number, number] }> {
  const steps = spec.steps.map((s, i) => TRANSFORMS.build<Transform>(s, { path: `preprocess.steps[${i}]` }));
  const bgr = spec.load_channel_order === 'bgr';
  return async (img) => {
    const n = img.width * img.height;
    const px = new Uint8Array(n * 3);
    for (let i = 0; i < n; i++) {
      const [r, g, b] = [img.data[4 * i], img.data[4 * i + 1], img.data[4 * i + 2]];
      px[3 * i] = bgr ? b : r;
      px[3 * i + 1] = g;
      px[3 * i + 2] = bgr ? r : b;
    }
    let results: Results | null = { img: { data: px, shape: [img.height, img.width, 3] } };
    for (const t of steps) {
      results = await t.transform(results, new Rng(0));
      if (!results) throw new Error('preprocess: a step dropped the image');
    }
    const out = results.img!;
    if (!(out.data instanceof Float32Array)) throw new Error('preprocess: the steps did not end in float32 pixels (no Normalize?)');
    return { data: out.data, shape: out.shape };
  };
}
