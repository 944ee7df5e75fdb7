/**
 * The browser entry of fer-mm: load a model exported by `tools/export.ts`
 * over HTTP and classify images on webgpu, webgl or wasm.
 *
 *   import { loadModel } from 'fer-mm/browser';
 *   import 'PLUGIN_PACKAGE';                // the model's plugin package: registers its classes
 *   const model = await loadModel('/models/apvit/');   // folder or model.json URL
 *   const r = await model.predict(imgElement, { patches: true });
 *   // r.probabilities (7 numbers, class order model.classes), r.label, r.className, r.patches
 *
 * Nothing here (or below it) imports a Node built-in: the `ferMmBrowser()`
 * Vite plugin of `./vite.ts` fails a build that does.
 */
/// <reference lib="dom" />
import { buildExportedModel } from '../export/build';
import { checkModelJson, type ExportedModelJson } from '../export/format';
import { decodeExportWeights, shardPaths } from '../export/weights';
import type { Model } from '../contracts/model';
import { tf } from '../tf';
import { selectBrowserBackend, type BackendOptions, type BrowserBackend } from './backend';
import { keptPatches, type KeptPatches, type PoolingTraceLike } from './patches';
import { makePreprocess, rgbaOf, type ImageSource } from './preprocess';

export { BROWSER_BACKENDS, DEFAULT_BACKEND_ORDER, selectBrowserBackend, type BackendOptions, type BrowserBackend } from './backend';
export type { ImageSource, Rgba } from './preprocess';
export type { KeptPatches } from './patches';
export type { ExportedModelJson, PreprocessSpec } from '../export/format';
export { loadFaceDetector, rgbOfRgba, rgbaOfRgb, FaceDetector, RAF_ALIGNED_TEMPLATE, RAF_ALIGNED_SIZE, type DetectedFace, type DetectArgs, type FaceModelUrls, type GraphModelUrls } from './face';
export { rgbaOf } from './preprocess';

export interface LoadModelOptions extends BackendOptions {
  /** The fetch to use (default globalThis.fetch), e.g. with credentials. */
  fetch?: typeof fetch;
}

export interface Prediction {
  /** Softmax scores in the order of `model.classes`. */
  probabilities: number[];
  label: number;
  className: string;
  /** Milliseconds from pixels to scores (preprocessing included). */
  timeMs: number;
  /** APViT models, when asked: the patches its pooling kept. */
  patches?: KeptPatches;
}

export class FerModel {
  readonly classes: string[];
  private readonly prep: ReturnType<typeof makePreprocess>;

  constructor(
    readonly spec: ExportedModelJson,
    readonly model: Model,
    readonly backend: BrowserBackend,
  ) {
    this.classes = spec.classes;
    this.prep = makePreprocess(spec.preprocess);
  }

  /** Classifies one face image (already aligned; it is resized to the model's input like the Node test pipeline). */
  async predict(image: ImageSource, opts: { patches?: boolean } = {}): Promise<Prediction> {
    const t0 = performance.now();
    const { data, shape } = await this.prep(rgbaOf(image));
    // the exported preprocessing already normalised the image: the model's testStep takes it as laid out
    const scores = tf.tidy(() => this.model.testStep({ img: { data: Float32Array.from(data), shape: [1, ...shape] }, indices: [0] }));
    const probabilities = Array.from(await scores.data());
    scores.dispose();
    const timeMs = performance.now() - t0;
    let label = 0;
    probabilities.forEach((p, i) => (label = p > probabilities[label] ? i : label));
    const out: Prediction = { probabilities, label, className: this.classes[label] ?? String(label), timeMs };
    const vit = (this.model as unknown as { vit?: { lastTrace?: PoolingTraceLike } }).vit;
    const patchNum = (this.spec.model.vit as { patch_num?: number } | undefined)?.patch_num;
    if (opts.patches && vit?.lastTrace && patchNum) out.patches = keptPatches(vit.lastTrace, patchNum);
    return out;
  }

  dispose(): void {
    this.model.dispose?.();
  }
}

/** `url`: the export folder (ending in '/') or its model.json. Shards are fetched next to model.json. */
export async function loadModel(url: string, opts: LoadModelOptions = {}): Promise<FerModel> {
  const get = opts.fetch ?? globalThis.fetch.bind(globalThis);
  const base = typeof location !== 'undefined' ? location.href : undefined;
  const jsonUrl = new URL(url.endsWith('.json') ? url : `${url.replace(/\/?$/, '/')}model.json`, base).href;
  const backend = await selectBrowserBackend(opts);
  const res = await get(jsonUrl);
  if (!res.ok) throw new Error(`${jsonUrl}: HTTP ${res.status}`);
  const spec = checkModelJson(await res.json(), jsonUrl);
  const shards = await Promise.all(
    shardPaths(spec).map(async (p) => {
      const u = new URL(p, jsonUrl).href;
      const r = await get(u);
      if (!r.ok) throw new Error(`${u}: HTTP ${r.status}`);
      return r.arrayBuffer();
    }),
  );
  const model = buildExportedModel(spec, decodeExportWeights(spec, shards, jsonUrl), jsonUrl);
  return new FerModel(spec, model, backend);
}
