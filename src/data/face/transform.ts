/**
 * DetectAlignFace: a pipeline step that replaces a raw photo with its aligned
 * face (the largest one), for datasets of unaligned photos. Place it right
 * after LoadImageFromFile.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TRANSFORMS } from '../../registry/root';
import type { Results, Transform } from '../types';
import { RAF_ALIGNED_SIZE } from './align';
import { largestFace } from './detector';
import { sharedFaceDetector } from './node-models';

export const DetectAlignFaceArgs = Type.Object(
  {
    size: Type.Optional(Type.Integer({ minimum: 8, default: RAF_ALIGNED_SIZE, description: 'Side of the aligned crop (RAF-DB aligned: 100)' })),
    channel_order: Type.Optional(Type.Union([Type.Literal('bgr'), Type.Literal('rgb')], { default: 'bgr', description: "The loaded image's channel order (LoadImageFromFile's channel_order)" })),
    min_score: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.5, description: 'Detection score threshold' })),
    on_missing: Type.Optional(
      Type.Union([Type.Literal('keep'), Type.Literal('drop'), Type.Literal('error')], { default: 'keep', description: 'Without a face: keep the image as it is, drop the sample, or fail naming the file' }),
    ),
  },
  { additionalProperties: false },
);
export type DetectAlignFaceArgs = Static<typeof DetectAlignFaceArgs>;

@TRANSFORMS.register({ name: 'DetectAlignFace', schema: DetectAlignFaceArgs, description: 'Detects the largest face and aligns it to the RAF-DB aligned framing' })
export class DetectAlignFace implements Transform {
  readonly size: number;
  readonly channelOrder: 'bgr' | 'rgb';
  readonly minScore: number;
  readonly onMissing: 'keep' | 'drop' | 'error';
  constructor(args: DetectAlignFaceArgs = {}) {
    this.size = args.size ?? RAF_ALIGNED_SIZE;
    this.channelOrder = args.channel_order ?? 'bgr';
    this.minScore = args.min_score ?? 0.5;
    this.onMissing = args.on_missing ?? 'keep';
  }

  async transform(results: Results): Promise<Results | null> {
    if (!results.img) throw new Error('DetectAlignFace: no image in the sample (place it after LoadImageFromFile)');
    const detector = await sharedFaceDetector();
    const faces = await detector.detect(results.img, { channelOrder: this.channelOrder, alignSize: this.size, minScore: this.minScore });
    const face = largestFace(faces);
    if (!face) {
      if (this.onMissing === 'drop') return null;
      if (this.onMissing === 'error') throw new Error(`DetectAlignFace: no face found in ${(results.img_info as { filename?: string } | undefined)?.filename ?? 'the image'}`);
      return results;
    }
    const img = face.aligned;
    return { ...results, img, img_shape: [...img.shape], ori_shape: [...img.shape], face_box: face.box, face_landmarks: face.landmarks };
  }
}
