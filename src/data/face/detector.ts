/**
 * Face detection and alignment: BlazeFace finds the faces, FaceMesh places
 * the landmarks, and each face is similarity-aligned to RAF-DB's aligned
 * framing. Pure tfjs + JavaScript: the same code runs in Node (tensorflow,
 * wasm, cpu) and in a browser.
 */
import type { Affine } from '../image/warp';
import type { ImageArray } from '../types';
import { hwc } from '../image/image';
import { alignFace, RAF_ALIGNED_SIZE, type Point } from './align';
import { BlazeFace, type BlazeFaceOptions } from './blazeface';
import { FaceMesh, fivePoints } from './facemesh';
import { loadGraphFromJson, type GraphModelJson, type ReadWeightFile } from './graph';
import type { FaceChannelOrder } from './input';

/** One face found in a photo. */
export interface DetectedFace {
  /** [x1, y1, x2, y2] in the photo's pixels: the bounds of the face's landmarks. */
  box: [number, number, number, number];
  /** image-left eye centre, image-right eye centre, nose tip, image-left and image-right mouth corners. */
  landmarks: Point[];
  /** Detection score (BlazeFace) times face presence (FaceMesh), 0-1. */
  score: number;
  /** The face warped onto the template, `alignSize` square, same channels and order as the photo. */
  aligned: ImageArray;
  /** The photo -> aligned crop similarity (cv2 2x3 convention). */
  matrix: Affine;
}

/** Options of {@link FaceDetector.detect}; every field has a default. */
export interface DetectArgs extends Partial<BlazeFaceOptions> {
  /** Channel order of the photo's pixels (default 'rgb'); grey images are accepted as they are. */
  channelOrder?: FaceChannelOrder;
  /** Side of the aligned crop in pixels (default 100, RAF-DB's aligned size). */
  alignSize?: number;
  /** Faces whose FaceMesh presence score is below this are dropped (default 0.5). */
  minMeshScore?: number;
}

/** The two graph models' `model.json` files and a reader for their weight files. */
export interface FaceModelSources {
  detector: { json: GraphModelJson; read: ReadWeightFile };
  landmarks: { json: GraphModelJson; read: ReadWeightFile };
}

function bounds(points: readonly Point[]): [number, number, number, number] {
  let x1 = Infinity, y1 = Infinity, x2 = -Infinity, y2 = -Infinity;
  for (const [x, y] of points) {
    x1 = Math.min(x1, x);
    y1 = Math.min(y1, y);
    x2 = Math.max(x2, x);
    y2 = Math.max(y2, y);
  }
  return [x1, y1, x2, y2];
}

/** The face with the largest box (datasets of one person per photo keep this one). */
export function largestFace(faces: readonly DetectedFace[]): DetectedFace | undefined {
  const area = (b: number[]) => (b[2] - b[0]) * (b[3] - b[1]);
  return faces.reduce<DetectedFace | undefined>((a, b) => (!a || area(b.box) > area(a.box) ? b : a), undefined);
}

export class FaceDetector {
  constructor(
    readonly blazeFace: BlazeFace,
    readonly faceMesh: FaceMesh,
  ) {}

  /** Builds both graph models from memory (no URL or file loader involved). */
  static async load(src: FaceModelSources): Promise<FaceDetector> {
    const detector = await loadGraphFromJson(src.detector.json, src.detector.read, 'face detector (blazeface)');
    const landmarks = await loadGraphFromJson(src.landmarks.json, src.landmarks.read, 'face landmarks (facemesh)');
    return new FaceDetector(new BlazeFace(detector), new FaceMesh(landmarks));
  }

  /** Every face in `img` (uint8 HWC, 1 or 3 channels), left to right; an empty list when there is none. */
  async detect(img: ImageArray, args: DetectArgs = {}): Promise<DetectedFace[]> {
    const { h, w, c } = hwc(img);
    if (c !== 1 && c !== 3) throw new Error(`face detector: expected a grey or 3-channel image, got ${c} channels`);
    if (h < 1 || w < 1) return [];
    const order = args.channelOrder ?? 'rgb';
    const dets = await this.blazeFace.detect(img, order, {
      minScore: args.minScore ?? 0.5,
      iouThreshold: args.iouThreshold ?? 0.3,
      maxFaces: args.maxFaces ?? 10,
    });
    const faces: DetectedFace[] = [];
    for (const det of dets) {
      const mesh = await this.faceMesh.run(img, order, det);
      if (mesh.score < (args.minMeshScore ?? 0.5)) continue;
      const landmarks = fivePoints(mesh.mesh);
      const { image, matrix } = alignFace(img, landmarks, args.alignSize ?? RAF_ALIGNED_SIZE);
      faces.push({ box: bounds(mesh.mesh), landmarks, score: det.score * mesh.score, aligned: image, matrix });
    }
    return faces.sort((a, b) => a.box[0] - b.box[0]);
  }

  dispose(): void {
    this.blazeFace.dispose();
    this.faceMesh.dispose();
  }
}
