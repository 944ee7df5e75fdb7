/** `tools/infer.ts --detect`: photos in, one result per photo out, optionally drawn. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { inferenceModel } from '../../src/runner/api/infer';
import type { PhotoResult } from '../../src/runner/api/infer-faces';
import type { InitializedModel } from '../../src/runner/api/test';
import type { Logger } from '../../src/runner/logger';
import { drawFaces } from '../../src/visualization/face-boxes';

export interface PhotoEntry extends PhotoResult {
  file: string;
}

export interface InferPhotosArgs {
  /** Write each photo with its boxes and labels here as <name>.png. */
  showDir?: string;
  logger: Logger;
  onPhoto: (entry: PhotoEntry, done: number) => void;
}

/** Classifies every face of every photo; returns how many photos had none. */
export async function inferPhotos(model: InitializedModel, files: string[], args: InferPhotosArgs): Promise<number> {
  if (args.showDir) fs.mkdirSync(args.showDir, { recursive: true });
  const used = new Set<string>();
  let faceless = 0;
  for (let i = 0; i < files.length; i++) {
    const file = files[i];
    const r = await inferenceModel(model, file, { detect: true });
    const entry: PhotoEntry = { file, ...r };
    if (!r.faces.length) {
      faceless++;
      process.stdout.write(`${file}\t${r.message}\n`);
    }
    r.faces.forEach((f, k) => process.stdout.write(`${file}\tface ${k + 1} [${f.box.map((v) => v.toFixed(0)).join(', ')}]\t${f.pred_class}\t${f.pred_score.toFixed(4)}\n`));
    if (args.showDir) {
      let name = path.parse(file).name;
      if (used.has(name)) name = `${name}_${i}`;
      used.add(name);
      const marks = r.faces.map((f) => ({ box: f.box, landmarks: f.landmarks, label: `${f.pred_class} ${(100 * f.pred_score).toFixed(0)}%` }));
      fs.writeFileSync(path.join(args.showDir, `${name}.png`), await drawFaces(file, marks, r.message));
    }
    args.onPhoto(entry, i + 1);
  }
  return faceless;
}
