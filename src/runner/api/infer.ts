/**
 * Inference with a config's test pipeline (mmcls `init_model` +
 * `inference_model`):
 *
 *   const model = await initModel('configs/apvit/RAF.ts', 'apvit_raf.safetensors');
 *   const r = await inferenceModel(model, 'face.png'); // or a Buffer of encoded bytes, or an RGB tensor [H,W,3]
 *   // r: { pred_label, pred_class, pred_score, class_scores }
 *
 * The model is built once by `initModel`; each call only preprocesses and
 * predicts. Classes come from the checkpoint meta, else the FER order.
 */
import * as path from 'node:path';
import { collate } from '../../data/collate';
import { FER_CLASSES } from '../../data/datasets/base';
import { decodeImage } from '../../data/image/io';
import type { ImageArray, Results, Transform } from '../../data/types';
import type { RunConfig } from '../../config/root-schema';
import { isDict, type Dict } from '../../utils/dict';
import { TRANSFORMS } from '../../registry/root';
import { tf } from '../../tf';
import { Rng } from '../../utils/rng';
import type { Logger } from '../logger';
import type { Batch } from '../../contracts/data';
import { initModel, predictions, type InitializedModel } from './test';
import type { LoadWeightsOptions } from './load-weights';
import { classifyFaces, tensorPixels, type DetectOptions, type FaceClassifier, type PhotoResult } from './infer-faces';


/** An image file path, its encoded bytes (JPEG/PNG/...), or RGB pixels as a [H, W, 3] tensor (0-255). */
export type ImageInput = string | Uint8Array | tf.Tensor;

export interface InferenceResult {
  pred_label: number;
  pred_class: string;
  pred_score: number;
  class_scores: number[];
}

export interface InferResult extends InferenceResult {
  file: string;
}

/** The test pipeline of a config (`data.test.pipeline`, looking through dataset wrappers). */
export function testPipeline(cfg: RunConfig): unknown[] {
  let node: unknown = cfg.data?.test;
  while (isDict(node) && !Array.isArray(node.pipeline) && (node.dataset || node.datasets)) {
    node = node.dataset ?? (Array.isArray(node.datasets) ? node.datasets[0] : undefined);
  }
  if (!isDict(node) || !Array.isArray(node.pipeline)) throw new Error('config: data.test.pipeline is missing (inference uses the test pipeline)');
  return node.pipeline;
}

// Built once per initialized model, not per image.
const pipelines = new WeakMap<InitializedModel, { transform: Transform; channelOrder: 'bgr' | 'rgb' }>();

function pipelineOf(m: InitializedModel) {
  let p = pipelines.get(m);
  if (!p) {
    const steps = testPipeline(m.cfg);
    const load = steps.find((s): s is Dict => isDict(s) && s.type === 'LoadImageFromFile');
    const channelOrder = load?.channel_order === 'rgb' ? 'rgb' : 'bgr';
    p = { transform: TRANSFORMS.build<Transform>({ type: 'Compose', transforms: steps }, { path: 'data.test.pipeline' }), channelOrder };
    pipelines.set(m, p);
  }
  return p;
}

function isDecoded(image: ImageInput | DecodedImage): image is DecodedImage {
  return typeof image === 'object' && 'decoded' in image;
}

function describe(image: ImageInput | DecodedImage): string {
  if (isDecoded(image)) return `<decoded image [${image.decoded.shape.join(',')}]>`;
  return typeof image === 'string' ? image : image instanceof Uint8Array ? `<${image.length} encoded bytes>` : `<tensor [${image.shape.join(',')}]>`;
}

/** A decoded uint8 HWC image already in the test pipeline's channel order (an aligned face crop). */
export interface DecodedImage {
  decoded: ImageArray;
}

/** One image through the test pipeline (in-memory images skip the file read of LoadImageFromFile). */
async function preprocess(m: InitializedModel, image: ImageInput | DecodedImage, index: number): Promise<Results> {
  const { transform, channelOrder } = pipelineOf(m);
  let results: Results;
  if (isDecoded(image)) {
    results = { img_info: { filename: `<image ${index}>` }, img_prefix: null, index, img: image.decoded };
  } else if (typeof image === 'string') {
    results = { img_info: { filename: path.resolve(image) }, img_prefix: null, index };
  } else if (image instanceof Uint8Array) {
    results = { img_info: { filename: `<bytes ${index}>` }, img_prefix: null, index, img: await decodeImage(image, { channelOrder }) };
  } else {
    results = { img_info: { filename: `<tensor ${index}>` }, img_prefix: null, index, img: tensorPixels(image, channelOrder) };
  }
  const out = await transform.transform(results, new Rng([0, index]));
  if (!out) throw new Error(`inference: the test pipeline dropped ${describe(image)}`);
  return out;
}

function classNames(m: InitializedModel): string[] {
  return Array.isArray(m.meta.CLASSES) ? (m.meta.CLASSES as string[]) : FER_CLASSES;
}

/** Predicts one batch of images; every tensor made here is released before it returns. */
export async function inferenceBatch(m: InitializedModel, images: (ImageInput | DecodedImage)[]): Promise<InferenceResult[]> {
  if (!images.length) return [];
  const samples: Results[] = [];
  for (let i = 0; i < images.length; i++) samples.push(await preprocess(m, images[i], i));
  const batch = collate(samples, samples.map((_, i) => i)) as Batch;
  const s = tf.tidy(() => m.model.testStep(batch));
  const numClasses = s.shape[1];
  const scores = (await s.data()) as Float32Array;
  s.dispose();
  const rows = images.map((_, i) => scores.slice(i * numClasses, (i + 1) * numClasses));
  const p = predictions(rows, classNames(m));
  return rows.map((row, i) => ({ pred_label: p.predLabel[i], pred_class: p.predClass[i], pred_score: p.predScore[i], class_scores: Array.from(row) }));
}

/**
 * mmcls `inference_model`: the prediction for one image (path, encoded bytes
 * or RGB tensor). With `{ detect: true }` the image is a photo: every face in
 * it is found, aligned to the training framing and classified
 * ({@link PhotoResult}; `faces` is empty when there is none).
 */
export async function inferenceModel(m: InitializedModel, image: ImageInput): Promise<InferenceResult>;
export async function inferenceModel(m: InitializedModel, image: ImageInput, opts: { detect: false }): Promise<InferenceResult>;
export async function inferenceModel(m: InitializedModel, image: ImageInput, opts: DetectOptions & { detect: true }): Promise<PhotoResult>;
export async function inferenceModel(m: InitializedModel, image: ImageInput, opts: Partial<DetectOptions> & { detect?: boolean } = {}): Promise<InferenceResult | PhotoResult> {
  if (opts.detect) {
    const { detect: _detect, ...detectOpts } = opts;
    return classifyFaces(faceClassifier(m), image, detectOpts);
  }
  return (await inferenceBatch(m, [image]))[0];
}

/** The model as the photo path of `inferenceModel(..., { detect: true })` uses it. */
export function faceClassifier(m: InitializedModel): FaceClassifier {
  return { channelOrder: pipelineOf(m).channelOrder, classify: (crops) => inferenceBatch(m, crops) };
}

/** Warns once when the model's class count and the known class names disagree. */
export function checkClassNames(m: InitializedModel, numClasses: number, logger: Logger): void {
  const classes = classNames(m);
  if (numClasses !== classes.length) logger.warn(`infer: the model has ${numClasses} classes but ${classes.length} class names are known; names may not match`);
}

/**
 * Builds the model once and classifies `files` in batches of `batchSize`;
 * `onBatch` gets each batch's results as soon as they exist (streaming: only
 * one batch of images is ever held).
 */
export async function inferFiles(
  model: InitializedModel,
  files: string[],
  opts: { batchSize?: number; logger?: Logger; onBatch?: (results: InferResult[], done: number) => void | Promise<void> } = {},
): Promise<number> {
  const bs = opts.batchSize ?? 16;
  if (!Number.isInteger(bs) || bs < 1) throw new Error(`infer: batch size must be a positive integer, got ${bs}`);
  for (let s = 0; s < files.length; s += bs) {
    const chunk = files.slice(s, s + bs);
    const res = await inferenceBatch(model, chunk);
    if (s === 0 && opts.logger && res[0]) checkClassNames(model, res[0].class_scores.length, opts.logger);
    await opts.onBatch?.(
      res.map((r, i) => ({ file: chunk[i], ...r })),
      s + chunk.length,
    );
  }
  return files.length;
}

/** All results in memory: fine for a few images; `tools/infer.ts` streams with {@link inferFiles}. */
export async function inferImages(
  cfg: RunConfig,
  checkpoint: string,
  files: string[],
  logger: Logger,
  batchSize = 16,
  load: LoadWeightsOptions = {},
): Promise<InferResult[]> {
  if (!files.length) throw new Error('infer: give at least one image');
  const model = await initModel(cfg, checkpoint, logger, load);
  const out: InferResult[] = [];
  await inferFiles(model, files, { batchSize, logger, onBatch: (r) => void out.push(...r) });
  return out;
}
