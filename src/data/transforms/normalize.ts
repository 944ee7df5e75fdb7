import { Type, type Static } from '@sinclair/typebox';
import { TRANSFORMS } from '../../registry/root';
import type { Results, Transform } from '../types';
import { hwc } from '../image/image';

export const NormalizeArgs = Type.Object(
  {
    mean: Type.Array(Type.Number(), { minItems: 1 }),
    std: Type.Array(Type.Number(), { minItems: 1 }),
    to_rgb: Type.Optional(Type.Boolean({ default: true })),
  },
  { additionalProperties: false },
);
export type NormalizeArgs = Static<typeof NormalizeArgs>;

/**
 * mmcv.imnormalize: float32, optional BGR->RGB, then (x - mean) * (1 / std)
 * with the scalars rounded to float32 as cv2.subtract / cv2.multiply do.
 * Records `img_norm_cfg` for de-normalisation (browse tool, metas).
 */
@TRANSFORMS.register({ name: 'Normalize', schema: NormalizeArgs, description: 'Mean/std normalisation to float32' })
export class Normalize implements Transform {
  readonly mean: number[];
  readonly std: number[];
  readonly toRgb: boolean;
  constructor(args: NormalizeArgs) {
    this.mean = args.mean;
    this.std = args.std;
    this.toRgb = args.to_rgb ?? true;
    if (this.mean.length !== this.std.length) throw new Error(`Normalize: mean has ${this.mean.length} values but std has ${this.std.length}`);
    if (this.std.some((s) => s === 0)) throw new Error('Normalize: std must not contain 0');
  }
  transform(results: Results): Results {
    const img = results.img;
    if (!img) throw new Error('Normalize: results.img is missing');
    const { h, w, c } = hwc(img);
    if (c !== this.mean.length) throw new Error(`Normalize: image has ${c} channels but mean/std have ${this.mean.length}`);
    const mean = this.mean.map((m) => Math.fround(m));
    const inv = this.std.map((s) => Math.fround(1 / s));
    const out = new Float32Array(h * w * c);
    const src = img.data;
    for (let i = 0; i < h * w; i++) {
      for (let k = 0; k < c; k++) {
        const sk = this.toRgb && c === 3 ? 2 - k : k;
        out[i * c + k] = Math.fround(src[i * c + sk] - mean[k]) * inv[k];
      }
    }
    results.img = { data: out, shape: [h, w, c] };
    results.img_norm_cfg = { mean: [...this.mean], std: [...this.std], to_rgb: this.toRgb };
    return results;
  }
}
