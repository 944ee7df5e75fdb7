/**
 * Loads a tfjs graph model from its `model.json` and weight files without any
 * URL loader: the caller reads the bytes (from disk in Node, over HTTP in a
 * browser) and the model is built from memory, so the same code runs offline
 * on every backend.
 */
import { tf } from '../../tf';

/** A tfjs graph `model.json` as written by the converter. */
export interface GraphModelJson {
  modelTopology: unknown;
  weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  format?: string;
  generatedBy?: string;
  convertedBy?: string | null;
  signature?: unknown;
  userDefinedMetadata?: Record<string, unknown>;
}

/** Reads one weight file named in the manifest (relative to the model.json). */
export type ReadWeightFile = (relativePath: string) => Promise<Uint8Array>;

/** Builds the graph model of `json`, reading each manifest shard with `read`. */
export async function loadGraphFromJson(json: GraphModelJson, read: ReadWeightFile, name: string): Promise<tf.GraphModel> {
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new Error(`${name}: not a tfjs graph model.json (modelTopology and weightsManifest are required)`);
  }
  const parts: Uint8Array[] = [];
  for (const group of json.weightsManifest) for (const p of group.paths) parts.push(await read(p));
  const total = parts.reduce((n, p) => n + p.byteLength, 0);
  const weightData = new Uint8Array(total);
  let o = 0;
  for (const p of parts) {
    weightData.set(p, o);
    o += p.byteLength;
  }
  const artifacts: tf.io.ModelArtifacts = {
    modelTopology: json.modelTopology as tf.io.ModelArtifacts['modelTopology'],
    weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy ?? undefined,
    signature: json.signature as tf.io.ModelArtifacts['signature'],
    userDefinedMetadata: json.userDefinedMetadata as tf.io.ModelArtifacts['userDefinedMetadata'],
  };
  // a custom IOHandler: no fetch, no file:// (tfjs has no file loader without tfjs-node)
  return tf.loadGraphModel({ load: async () => artifacts });
}
