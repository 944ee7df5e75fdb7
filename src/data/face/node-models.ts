/**
 * The face models from the installed `@vladmandic/human` package, read from
 * disk (Node only). Its `exports` map hides `models/`, so the files are found
 * next to the package's resolved package.json. Nothing is fetched.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FaceModelSources } from './detector';
import { FaceDetector } from './detector';
import type { GraphModelJson } from './graph';

/** The package that ships the weights, and the two files used from its `models/` folder. */
export const FACE_MODEL_PACKAGE = '@vladmandic/human';
export const FACE_MODEL_FILES = { detector: 'blazeface.json', landmarks: 'facemesh.json' } as const;

/** `models/` of the installed package (or `dir` when given). */
export function faceModelDir(dir?: string): string {
  if (dir) return dir;
  // the package's `exports` map resolves neither package.json nor models/: look in the
  // same node_modules folders require() would search
  const pkg = (require.resolve.paths(FACE_MODEL_PACKAGE) ?? [])
    .map((d) => path.join(d, FACE_MODEL_PACKAGE, 'package.json'))
    .find((p) => fs.existsSync(p));
  if (!pkg) throw new Error(`face detection needs the npm package ${FACE_MODEL_PACKAGE} (its models/ folder holds the BlazeFace and FaceMesh weights): npm install ${FACE_MODEL_PACKAGE}`);
  return path.join(path.dirname(pkg), 'models');
}

function source(dir: string, file: string): FaceModelSources['detector'] {
  const jsonPath = path.join(dir, file);
  if (!fs.existsSync(jsonPath)) throw new Error(`face model file ${jsonPath} is missing`);
  let json: GraphModelJson;
  try {
    json = JSON.parse(fs.readFileSync(jsonPath, 'utf8')) as GraphModelJson;
  } catch (e) {
    throw new Error(`face model file ${jsonPath}: ${(e as Error).message}`);
  }
  return { json, read: async (p) => new Uint8Array(await fs.promises.readFile(path.join(dir, p))) };
}

/** The model files of `dir` (default: the installed package's models/). */
export function faceModelSources(dir?: string): FaceModelSources {
  const d = faceModelDir(dir);
  return { detector: source(d, FACE_MODEL_FILES.detector), landmarks: source(d, FACE_MODEL_FILES.landmarks) };
}

/** A face detector built from the installed package's weights (load once, reuse for every photo). */
export function loadFaceDetector(dir?: string): Promise<FaceDetector> {
  return FaceDetector.load(faceModelSources(dir));
}

let shared: Promise<FaceDetector> | undefined;

/** One detector per process from the installed package's weights, loaded on first use. */
export function sharedFaceDetector(): Promise<FaceDetector> {
  shared ??= loadFaceDetector().catch((e: unknown) => {
    shared = undefined;
    throw e;
  });
  return shared;
}
