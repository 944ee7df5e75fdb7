/**
 * Colour transforms. RandomGrayscale and ColorJitter follow the official
 * pipeline, which applies RGB formulas to mmcv's BGR array (spec section 7).
 */
import { Type, type Static } from '@sinclair/typebox';
import { TRANSFORMS } from '../../registry/root';
import { Component } from '../../registry/schema';
import type { Rng } from '../../utils/rng';
import type { Results, Transform } from '../types';
import { hwc, requireU8, rgb2grayU8 } from '../image/image';
import { adjustBrightness, adjustContrast, adjustHue, adjustSaturation } from '../image/pil-color';
import { runPipeline } from './compose';

export const RandomGrayscaleArgs = Type.Object(
  { gray_prob: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.1 })) },
  { additionalProperties: false },
);
export type RandomGrayscaleArgs = Static<typeof RandomGrayscaleArgs>;

/**
 * mmcls RandomGrayscale: with probability gray_prob, mmcv.rgb2gray (cv2
 * COLOR_RGB2GRAY, 14-bit fixed point) replicated to all channels. On BGR data
 * channel 0 (B) gets the 0.299 weight, as in the official code.
 */
@TRANSFORMS.register({ name: 'RandomGrayscale', schema: RandomGrayscaleArgs, description: 'Random conversion to grayscale' })
export class RandomGrayscale implements Transform {
  readonly grayProb: number;
  constructor(args: RandomGrayscaleArgs = {}) {
    this.grayProb = args.gray_prob ?? 0.1;
  }
  transform(results: Results, rng: Rng): Results {
    const img = results.img;
    if (!img) throw new Error('RandomGrayscale: results.img is missing');
    const { h, w, c } = hwc(img);
    if (rng.random() < this.grayProb && c > 1) {
      const g = rgb2grayU8(requireU8(img, 'RandomGrayscale'), h, w, c);
      const out = new Uint8Array(h * w * c);
      for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) out[i * c + k] = g[i];
      results.img = { data: out, shape: [h, w, c] };
    }
    return results;
  }
}

const Jitter = Type.Union([Type.Number({ minimum: 0 }), Type.Tuple([Type.Number(), Type.Number()])]);
export const ColorJitterArgs = Type.Object(
  {
    brightness: Type.Optional(Jitter),
    contrast: Type.Optional(Jitter),
    saturation: Type.Optional(Jitter),
    hue: Type.Optional(Jitter),
  },
  { additionalProperties: false },
);
export type ColorJitterArgs = Static<typeof ColorJitterArgs>;

/** torchvision ColorJitter._check_input: v -> [max(0, 1-v), 1+v] (hue: [-v, v]); a no-op range becomes null. */
function jitterRange(v: number | number[] | undefined, center: number, bound: [number, number], name: string): [number, number] | null {
  if (v === undefined) return null;
  let r: [number, number];
  if (typeof v === 'number') {
    if (v < 0) throw new Error(`ColorJitter: ${name} must be non-negative, got ${v}`);
    r = [center - v, center + v];
    if (center === 1) r[0] = Math.max(r[0], 0);
  } else r = [v[0], v[1]];
  if (r[0] < bound[0] || r[1] > bound[1] || r[0] > r[1]) throw new Error(`ColorJitter: ${name} range ${JSON.stringify(r)} is outside ${JSON.stringify(bound)}`);
  return r[0] === center && r[1] === center ? null : r;
}

/** The factors a ColorJitter call uses: a random order of the 4 ops and one factor per enabled op. */
export interface JitterParams {
  order: number[];
  brightness: number | null;
  contrast: number | null;
  saturation: number | null;
  hue: number | null;
}

/**
 * torchvision ColorJitter on a PIL image: a random permutation of
 * (brightness, contrast, saturation, hue), factors drawn uniformly in their
 * ranges, each op with Pillow's arithmetic. Channel 0 is treated as R.
 */
@TRANSFORMS.register({ name: 'ColorJitter', schema: ColorJitterArgs, description: 'torchvision ColorJitter (PIL arithmetic)' })
export class ColorJitter implements Transform {
  readonly brightness: [number, number] | null;
  readonly contrast: [number, number] | null;
  readonly saturation: [number, number] | null;
  readonly hue: [number, number] | null;
  constructor(args: ColorJitterArgs = {}) {
    this.brightness = jitterRange(args.brightness, 1, [0, Infinity], 'brightness');
    this.contrast = jitterRange(args.contrast, 1, [0, Infinity], 'contrast');
    this.saturation = jitterRange(args.saturation, 1, [0, Infinity], 'saturation');
    this.hue = jitterRange(args.hue, 0, [-0.5, 0.5], 'hue');
  }
  /** Draws the order first, then brightness, contrast, saturation, hue (torchvision get_params order). */
  getParams(rng: Rng): JitterParams {
    const order = rng.permutation(4);
    const draw = (r: [number, number] | null) => (r ? rng.uniform(r[0], r[1]) : null);
    return { order, brightness: draw(this.brightness), contrast: draw(this.contrast), saturation: draw(this.saturation), hue: draw(this.hue) };
  }
  /** Applies fixed factors (exposed for tests). */
  apply(data: Uint8Array, n: number, p: JitterParams): Uint8Array {
    let d = data;
    for (const op of p.order) {
      if (op === 0 && p.brightness !== null) d = adjustBrightness(d, p.brightness);
      else if (op === 1 && p.contrast !== null) d = adjustContrast(d, n, p.contrast);
      else if (op === 2 && p.saturation !== null) d = adjustSaturation(d, n, p.saturation);
      else if (op === 3 && p.hue !== null) d = adjustHue(d, n, p.hue);
    }
    return d;
  }
  transform(results: Results, rng: Rng): Results {
    const img = results.img;
    if (!img) throw new Error('ColorJitter: results.img is missing');
    const { h, w, c } = hwc(img);
    if (c !== 3) throw new Error(`ColorJitter expects a 3-channel image, got ${c} channels`);
    const params = this.getParams(rng);
    results.img = { data: this.apply(requireU8(img, 'ColorJitter'), h * w, params), shape: [h, w, c] };
    return results;
  }
}

export const RandomAppliedTransArgs = Type.Object(
  {
    transforms: Type.Array(Component<Transform>(TRANSFORMS)),
    p: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.5 })),
  },
  { additionalProperties: false },
);
export type RandomAppliedTransArgs = Static<typeof RandomAppliedTransArgs>;

/** torchvision RandomApply: runs all `transforms` unless rand() > p. */
@TRANSFORMS.register({ name: 'RandomAppliedTrans', aliases: ['RandomApply'], schema: RandomAppliedTransArgs, description: 'Applies transforms with probability p' })
export class RandomAppliedTrans implements Transform {
  readonly p: number;
  readonly transforms: Transform[];
  constructor(args: RandomAppliedTransArgs) {
    this.p = args.p ?? 0.5;
    this.transforms = args.transforms as Transform[];
    for (const [i, t] of this.transforms.entries()) {
      if (!t || typeof t.transform !== 'function') throw new Error(`RandomAppliedTrans: transforms.${i} is not a built transform`);
    }
  }
  transform(results: Results, rng: Rng): Results | null | Promise<Results | null> {
    if (this.p < rng.random()) return results;
    return runPipeline(this.transforms, results, rng);
  }
}
