/**
 * The exported-model format (`model.json` + tfjs weight shards), shared by
 * the Node writer/reader and the browser loader. No Node built-ins here.
 *
 * Weights are tfjs weight shards with a tfjs `weightsManifest`: tfjs itself
 * decodes them (`tf.io.decodeWeights`, float16 and uint8 affine quantisation
 * included), the shards are plain static files a browser caches per URL, and
 * the manifest sits inside model.json so one fetch describes everything.
 */
import type { tf } from '../tf';

export const EXPORT_FORMAT = 'fer-mm-export';
export const EXPORT_FORMAT_VERSION = 1;
export const EXPORT_DTYPES = ['float32', 'float16', 'uint8'] as const;
export type ExportDType = (typeof EXPORT_DTYPES)[number];

/** One step of the test pipeline that runs on the decoded image (Resize, CenterCrop, Normalize). */
export type PreprocessStep = Record<string, unknown> & { type: string };

/** What the test pipeline does to an image, for code that does not run the framework's transforms. */
export interface PreprocessSpec {
  /** Channel order of the decoded image that `steps` start from (LoadImageFromFile's channel_order). */
  load_channel_order: 'bgr' | 'rgb';
  /** The test pipeline between LoadImageFromFile and the formatting steps, as configured. */
  steps: PreprocessStep[];
  /** The network input: [height, width]. */
  size: [number, number];
  /** Channel order of the network input and of `mean` / `std`. */
  channel_order: 'bgr' | 'rgb';
  mean: number[];
  std: number[];
  interpolation: string;
}

export interface ExportedModelJson {
  format: typeof EXPORT_FORMAT;
  format_version: number;
  fer_mm_version: string;
  /** The resolved `model` config, without `pretrained` files. */
  model: Record<string, unknown>;
  classes: string[];
  preprocess: PreprocessSpec;
  dtype: ExportDType;
  weightsManifest: tf.io.WeightsManifestConfig;
}

/** Throws a clear error unless `v` looks like a model.json of this format; `where` names the file/URL. */
export function checkModelJson(v: unknown, where: string): ExportedModelJson {
  const o = v as Partial<ExportedModelJson> | null;
  if (!o || typeof o !== 'object' || o.format !== EXPORT_FORMAT) throw new Error(`${where}: not a fer-mm export (format must be '${EXPORT_FORMAT}')`);
  if (o.format_version !== EXPORT_FORMAT_VERSION) throw new Error(`${where}: format_version ${String(o.format_version)} is not supported (expected ${EXPORT_FORMAT_VERSION})`);
  for (const k of ['model', 'classes', 'preprocess', 'weightsManifest'] as const) {
    if (!o[k]) throw new Error(`${where}: '${k}' is missing`);
  }
  return o as ExportedModelJson;
}
