/**
 * FaceMesh (MediaPipe, 468 landmarks, 192x192 input): run on a square crop
 * around a BlazeFace detection, rotated so the eyes are level, and mapped
 * back to the photo's pixels.
 */
import { tf } from '../../tf';
import type { ImageArray } from '../types';
import { invertAffine, warpAffineU8, type Affine } from '../image/warp';
import { applyAffine, type Point } from './align';
import type { BlazeDetection } from './blazeface';
import { modelInput, type FaceChannelOrder } from './input';

/** Mesh indices of the 5 alignment points: eye corners (averaged to the eye centres), nose tip, mouth corners. */
const EYE_LEFT = [33, 133];
const EYE_RIGHT = [362, 263];
const NOSE_TIP = 1;
const MOUTH_LEFT = 61;
const MOUTH_RIGHT = 291;

export interface MeshResult {
  /** 468 points in the photo's pixels. */
  mesh: Point[];
  /** The model's face-presence score (0-1). */
  score: number;
}

/** How much larger than the BlazeFace box the crop is (the margin FaceMesh was trained with). */
const CROP_SCALE = 1.5;

export class FaceMesh {
  readonly size: number;
  constructor(private readonly model: tf.GraphModel) {
    const shape = model.inputs[0]?.shape;
    if (!shape || shape.length !== 4 || shape[1] !== shape[2]) throw new Error(`FaceMesh: expected a square [N, S, S, 3] input, got [${shape?.join(', ')}]`);
    this.size = shape[1];
  }

  dispose(): void {
    this.model.dispose();
  }

  /** Photo -> crop: centred on the box, eyes level, the box enlarged by CROP_SCALE filling the crop. */
  cropMatrix(det: BlazeDetection): Affine {
    const [x1, y1, x2, y2] = det.box;
    const cx = (x1 + x2) / 2, cy = (y1 + y2) / 2;
    const side = Math.max(x2 - x1, y2 - y1) * CROP_SCALE;
    const [le, re] = det.keypoints;
    const angle = Math.atan2(re[1] - le[1], re[0] - le[0]);
    const k = this.size / side;
    const c = Math.cos(-angle) * k, s = Math.sin(-angle) * k;
    // rotate by -angle about the centre, scale, then move the centre to the crop's centre
    return [c, -s, this.size / 2 - (c * cx - s * cy), s, c, this.size / 2 - (s * cx + c * cy)];
  }

  async run(img: ImageArray, order: FaceChannelOrder, det: BlazeDetection): Promise<MeshResult> {
    const m = this.cropMatrix(det);
    const crop = warpAffineU8(img, m, { outH: this.size, outW: this.size, borderValue: 0 });
    const x = modelInput(crop, order, 1 / 255, 0);
    const outs = this.model.execute(x) as tf.Tensor[];
    x.dispose();
    const meshT = outs.find((t) => t.shape[t.shape.length - 1] === 1404);
    const flagT = outs.find((t) => t.shape[t.shape.length - 1] === 1);
    if (!meshT || !flagT) {
      tf.dispose(outs);
      throw new Error('FaceMesh: the model has no [N, 1404] mesh or [N, 1] face-flag output');
    }
    const [raw, flag] = await Promise.all([meshT.data(), flagT.data()]);
    tf.dispose(outs);
    const inv = invertAffine(m);
    const mesh: Point[] = [];
    for (let i = 0; i < raw.length; i += 3) mesh.push(applyAffine(inv, [raw[i], raw[i + 1]]));
    // the face-flag output is already a probability in this export
    return { mesh, score: flag[0] };
  }
}

/** The 5 alignment points of a 468-point mesh (order of RAF_ALIGNED_TEMPLATE). */
export function fivePoints(mesh: readonly Point[]): Point[] {
  const mean = (idx: number[]): Point => [idx.reduce((s, i) => s + mesh[i][0], 0) / idx.length, idx.reduce((s, i) => s + mesh[i][1], 0) / idx.length];
  return [mean(EYE_LEFT), mean(EYE_RIGHT), mesh[NOSE_TIP], mesh[MOUTH_LEFT], mesh[MOUTH_RIGHT]];
}
