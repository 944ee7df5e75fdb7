/**
 * BlazeFace (MediaPipe's 256x256 "back" model, as shipped by @vladmandic/human):
 * the whole photo, padded to a square, in; face boxes and 6 keypoints out.
 * Decoding and non-maximum suppression run in plain JavaScript on the raw
 * outputs, so every backend decodes the same way.
 */
import { tf } from '../../tf';
import type { ImageArray } from '../types';
import { hwc } from '../image/image';
import { warpAffineU8, type Affine } from '../image/warp';
import type { Point } from './align';
import { modelInput, type FaceChannelOrder } from './input';

/** One raw detection in the photo's pixels. */
export interface BlazeDetection {
  /** [x1, y1, x2, y2] */
  box: [number, number, number, number];
  score: number;
  /** image-left eye, image-right eye, nose, mouth centre, image-left ear, image-right ear */
  keypoints: Point[];
}

export interface BlazeFaceOptions {
  /** Detections below this score are dropped (default 0.5). */
  minScore: number;
  /** Overlap above which the weaker of two boxes is dropped (default 0.3). */
  iouThreshold: number;
  /** At most this many faces (default 10). */
  maxFaces: number;
}

/** Anchor centres of the 256 model: a 16x16 grid with 2 anchors, then an 8x8 grid with 6. */
function anchors(size: number): Float32Array {
  const out: number[] = [];
  for (const [stride, per] of [[size / 16, 2], [size / 8, 6]]) {
    const cells = Math.ceil(size / stride);
    for (let gy = 0; gy < cells; gy++) for (let gx = 0; gx < cells; gx++) for (let n = 0; n < per; n++) out.push(stride * (gx + 0.5), stride * (gy + 0.5));
  }
  return Float32Array.from(out);
}

function iou(a: number[], b: number[]): number {
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter);
}

export class BlazeFace {
  readonly size: number;
  private readonly anchors: Float32Array;
  constructor(private readonly model: tf.GraphModel) {
    const shape = model.inputs[0]?.shape;
    if (!shape || shape.length !== 4 || shape[1] !== shape[2]) throw new Error(`BlazeFace: expected a square [1, S, S, 3] input, got [${shape?.join(', ')}]`);
    this.size = shape[1];
    this.anchors = anchors(this.size);
  }

  dispose(): void {
    this.model.dispose();
  }

  /** The affine that pads the photo to a centred square and scales it to the model's input. */
  inputMatrix(h: number, w: number): Affine {
    const side = Math.max(h, w);
    const k = this.size / side;
    return [k, 0, ((side - w) / 2) * k, 0, k, ((side - h) / 2) * k];
  }

  /** Raw [N, 17] rows (score logit, box, 6 keypoints) for one photo. */
  private async raw(img: ImageArray, order: FaceChannelOrder, m: Affine): Promise<Float32Array> {
    const input = warpAffineU8(img, m, { outH: this.size, outW: this.size, borderValue: 0 });
    const x = modelInput(input, order, 1 / 127.5, -1);
    const rows = tf.tidy(() => {
      const outs = this.model.execute(x) as tf.Tensor[];
      // two heads (16x16x2 and 8x8x6 anchors), each a score and a regression output
      const [s384, s512, r384, r512] = [...outs].sort((a, b) => a.size - b.size);
      return tf.concat([tf.concat([s512, r512], 2), tf.concat([s384, r384], 2)], 1).squeeze([0]);
    });
    x.dispose();
    const data = (await rows.data()) as Float32Array;
    rows.dispose();
    return data;
  }

  async detect(img: ImageArray, order: FaceChannelOrder, opts: BlazeFaceOptions): Promise<BlazeDetection[]> {
    const { h, w } = hwc(img);
    const m = this.inputMatrix(h, w);
    const data = await this.raw(img, order, m);
    const n = this.anchors.length / 2;
    const cols = data.length / n;
    const cands: { i: number; score: number; box: number[] }[] = [];
    for (let i = 0; i < n; i++) {
      const r = data.subarray(i * cols, (i + 1) * cols);
      const score = 1 / (1 + Math.exp(-r[0]));
      if (!(score >= opts.minScore)) continue;
      const cx = r[1] + this.anchors[2 * i], cy = r[2] + this.anchors[2 * i + 1];
      cands.push({ i, score, box: [cx - r[3] / 2, cy - r[4] / 2, cx + r[3] / 2, cy + r[4] / 2] });
    }
    cands.sort((a, b) => b.score - a.score);
    const kept: typeof cands = [];
    for (const c of cands) {
      if (kept.length >= opts.maxFaces) break;
      if (kept.every((k) => iou(k.box, c.box) <= opts.iouThreshold)) kept.push(c);
    }
    // model input pixels -> photo pixels
    const k = m[0], ox = m[2], oy = m[5];
    const back = (x: number, y: number): Point => [(x - ox) / k, (y - oy) / k];
    return kept.map(({ i, score, box }) => {
      const r = data.subarray(i * cols, (i + 1) * cols);
      const [x1, y1] = back(box[0], box[1]);
      const [x2, y2] = back(box[2], box[3]);
      const keypoints: Point[] = [];
      for (let j = 0; j < 6; j++) keypoints.push(back(r[5 + 2 * j] + this.anchors[2 * i], r[6 + 2 * j] + this.anchors[2 * i + 1]));
      return { box: [x1, y1, x2, y2], score, keypoints };
    });
  }
}
