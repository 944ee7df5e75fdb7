/**
 * Photos in, expressions out: every face of a photo is detected, aligned to
 * the framing of the training data (src/data/face) and classified with the
 * model's test pipeline. A photo without a face is a result with an empty
 * `faces` list, not an error.
 */
import * as fs from 'node:fs';
import type { FaceDetector } from '../../data/face/detector';
import type { DetectArgs } from '../../data/face/detector';
import type { Point } from '../../data/face/align';
import { sharedFaceDetector } from '../../data/face/node-models';
import { decodeImage } from '../../data/image/io';
import type { ImageArray } from '../../data/types';
import { tf } from '../../tf';
import type { DecodedImage, ImageInput, InferenceResult } from './infer';

/** Options of `inferenceModel(model, image, { detect: true, ... })`. */
export interface DetectOptions extends Omit<DetectArgs, 'channelOrder'> {
  /** A detector loaded once by the caller (default: one shared detector from the installed package's weights). */
  detector?: FaceDetector;
}

/** One classified face of a photo. */
export interface FaceResult {
  /** [x1, y1, x2, y2] in the photo's pixels. */
  box: [number, number, number, number];
  /** image-left eye, image-right eye, nose tip, image-left and image-right mouth corners. */
  landmarks: Point[];
  /** Detection score, 0-1. */
  score: number;
  /** Softmax scores in the order of the model's classes. */
  probabilities: number[];
  pred_label: number;
  pred_class: string;
  pred_score: number;
}

/** Every face of one photo; `message` says 'no face found' when `faces` is empty. */
export interface PhotoResult {
  width: number;
  height: number;
  faces: FaceResult[];
  message?: string;
}

/** What the photo path needs from the classifier (kept as callbacks: infer.ts calls this module). */
export interface FaceClassifier {
  channelOrder: 'bgr' | 'rgb';
  classify(crops: DecodedImage[]): Promise<InferenceResult[]>;
}

export const NO_FACE = 'no face found';

async function decodePhoto(image: ImageInput, order: 'bgr' | 'rgb'): Promise<ImageArray> {
  if (typeof image === 'string') {
    let bytes: Uint8Array;
    try {
      bytes = await fs.promises.readFile(image);
    } catch (e) {
      throw new Error(`${image}: ${(e as Error).message}`);
    }
    try {
      return await decodeImage(bytes, { channelOrder: order });
    } catch (e) {
      throw new Error(`${image}: ${(e as Error).message}`);
    }
  }
  if (image instanceof Uint8Array) return decodeImage(image, { channelOrder: order });
  return tensorPixels(image, order);
}

/** An RGB [H, W, 3] tensor (0-255) as uint8 pixels in `order`. */
export function tensorPixels(image: tf.Tensor, order: 'bgr' | 'rgb'): ImageArray {
  if (image.rank !== 3 || image.shape[2] !== 3) throw new Error(`inferenceModel: a tensor image must be [H, W, 3] RGB, got [${image.shape.join(',')}]`);
  const rgb = tf.tidy(() => tf.clipByValue(tf.round(image.toFloat()), 0, 255).toInt());
  const px = Uint8Array.from(rgb.dataSync());
  rgb.dispose();
  if (order === 'bgr') for (let i = 0; i < px.length; i += 3) [px[i], px[i + 2]] = [px[i + 2], px[i]];
  return { data: px, shape: image.shape as [number, number, number] };
}

/** Detects, aligns and classifies every face of `image`. */
export async function classifyFaces(c: FaceClassifier, image: ImageInput, opts: DetectOptions = {}): Promise<PhotoResult> {
  const detector = opts.detector ?? (await sharedFaceDetector());
  const img = await decodePhoto(image, c.channelOrder);
  const [height, width] = img.shape;
  const { detector: _d, ...args } = opts;
  const found = await detector.detect(img, { ...args, channelOrder: c.channelOrder });
  const preds = await c.classify(found.map((f) => ({ decoded: f.aligned })));
  const faces = found.map((f, i) => ({
    box: f.box,
    landmarks: f.landmarks,
    score: f.score,
    probabilities: preds[i].class_scores,
    pred_label: preds[i].pred_label,
    pred_class: preds[i].pred_class,
    pred_score: preds[i].pred_score,
  }));
  return faces.length ? { width, height, faces } : { width, height, faces, message: NO_FACE };
}
