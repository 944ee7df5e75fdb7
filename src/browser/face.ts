/**
 * Face detection in the browser: the BlazeFace and FaceMesh graph files are
 * fetched from wherever the page serves them (a bundler's asset URLs), never
 * from a CDN, and the detector is built from memory like in Node.
 */
/// <reference lib="dom" />
import { FaceDetector } from '../data/face/detector';
import type { GraphModelJson } from '../data/face/graph';
import type { ImageArray } from '../data/types';
import type { Rgba } from './preprocess';

export { FaceDetector, type DetectedFace, type DetectArgs } from '../data/face/detector';
export { RAF_ALIGNED_TEMPLATE, RAF_ALIGNED_SIZE } from '../data/face/align';

/** One graph model: its model.json URL and, where a bundler renamed them, the URL of each weight file it names. */
export interface GraphModelUrls {
  json: string;
  /** manifest path (e.g. 'blazeface.bin') -> URL; unnamed files are fetched next to the json. */
  weights?: Record<string, string>;
}

export interface FaceModelUrls {
  detector: GraphModelUrls;
  landmarks: GraphModelUrls;
}

async function source(u: GraphModelUrls, get: typeof fetch) {
  const base = typeof location !== 'undefined' ? location.href : undefined;
  const jsonUrl = new URL(u.json, base).href;
  const res = await get(jsonUrl);
  if (!res.ok) throw new Error(`${jsonUrl}: HTTP ${res.status}`);
  const json = (await res.json()) as GraphModelJson;
  const read = async (p: string) => {
    const url = new URL(u.weights?.[p] ?? p, u.weights?.[p] ? base : jsonUrl).href;
    const r = await get(url);
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  };
  return { json, read };
}

/** Loads the face detector from the page's own URLs. */
export async function loadFaceDetector(urls: FaceModelUrls, opts: { fetch?: typeof fetch } = {}): Promise<FaceDetector> {
  const get = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const [detector, landmarks] = await Promise.all([source(urls.detector, get), source(urls.landmarks, get)]);
  return FaceDetector.load({ detector, landmarks });
}

/** ImageData-like RGBA -> the detector's RGB image. */
export function rgbOfRgba(img: Rgba): ImageArray {
  const n = img.width * img.height;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[3 * i] = img.data[4 * i];
    out[3 * i + 1] = img.data[4 * i + 1];
    out[3 * i + 2] = img.data[4 * i + 2];
  }
  return { data: out, shape: [img.height, img.width, 3] };
}

/** An RGB (or grey) crop -> ImageData-like RGBA for `FerModel.predict`. */
export function rgbaOfRgb(img: ImageArray): Rgba {
  const [h, w, c] = img.shape;
  const out = new Uint8ClampedArray(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    for (let k = 0; k < 3; k++) out[4 * i + k] = img.data[c * i + (c === 1 ? 0 : k)];
    out[4 * i + 3] = 255;
  }
  return { data: out, width: w, height: h };
}
