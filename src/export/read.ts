/** Loads an exported model from a folder in Node (the browser loads it with fetch: `src/browser`). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Model } from '../contracts/model';
import type { tf } from '../tf';
import { buildExportedModel } from './build';
import { checkModelJson, type ExportedModelJson } from './format';
import { decodeExportWeights, shardPaths } from './weights';

export function readModelJson(dir: string): ExportedModelJson {
  const file = path.join(dir, 'model.json');
  if (!fs.existsSync(file)) throw new Error(`${file}: not found (is ${dir} an export folder?)`);
  return checkModelJson(JSON.parse(fs.readFileSync(file, 'utf8')), file);
}

/** The decoded weights of the export in `dir` (caller disposes them). */
export function readExportWeights(dir: string, spec = readModelJson(dir)): Map<string, tf.Tensor> {
  const shards = shardPaths(spec).map((p) => {
    const b = fs.readFileSync(path.join(dir, p));
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
  });
  return decodeExportWeights(spec, shards, dir);
}

/** The exported model in `dir`, built (its plugin must be imported) and loaded, in eval mode. */
export function loadExportedModel(dir: string): { model: Model; spec: ExportedModelJson } {
  const spec = readModelJson(dir);
  return { model: buildExportedModel(spec, readExportWeights(dir, spec), dir), spec };
}
