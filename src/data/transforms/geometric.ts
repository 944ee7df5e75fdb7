/**
 * Geometric transforms with mmcls 0.x semantics. Every random choice is drawn
 * from the per-sample `rng`, in the same order as the Python code draws it.
 */
import { Type, type Static } from '@sinclair/typebox';
import { TRANSFORMS } from '../../registry/root';
import type { Rng } from '../../utils/rng';
import type { ImageArray, Results, Transform } from '../types';
import { crop, flip, hwc, roundHalfEven } from '../image/image';
import { imresize } from '../image/resize';
import { imrotate } from '../image/warp';

const Interp = Type.Union([Type.Literal('bilinear'), Type.Literal('nearest')], { default: 'bilinear' });
const SizeArg = Type.Union([Type.Integer({ minimum: 1 }), Type.Tuple([Type.Integer(), Type.Integer()])]);

/** int or [h, w] -> [h, w]. */
function pair(size: number | number[], what: string): [number, number] {
  if (typeof size === 'number') return [size, size];
  if (Array.isArray(size) && size.length === 2) return [size[0], size[1]];
  throw new Error(`${what}: size must be an int or [h, w], got ${JSON.stringify(size)}`);
}

function getImg(results: Results, who: string): ImageArray {
  if (!results.img) throw new Error(`${who}: results.img is missing (is LoadImageFromFile first in the pipeline?)`);
  return results.img;
}

function setImg(results: Results, img: ImageArray): Results {
  results.img = img;
  results.img_shape = [...img.shape];
  return results;
}

export const ResizeArgs = Type.Object(
  {
    size: Type.Union([Type.Integer({ minimum: 1 }), Type.Tuple([Type.Integer({ minimum: 1 }), Type.Integer({ minimum: -1 })])], {
      description: 'int, [h, w], or [short_side, -1] to resize the short edge keeping the aspect ratio',
    }),
    interpolation: Type.Optional(Interp),
    backend: Type.Optional(Type.Literal('cv2', { default: 'cv2' })),
  },
  { additionalProperties: false },
);
export type ResizeArgs = Static<typeof ResizeArgs>;

/** mmcls Resize: mmcv.imresize (cv2 INTER_LINEAR, half-pixel centres, no antialias). */
@TRANSFORMS.register({ name: 'Resize', schema: ResizeArgs, description: 'Resizes to a fixed size (cv2 INTER_LINEAR)' })
export class Resize implements Transform {
  readonly size: [number, number];
  readonly interpolation: string;
  constructor(args: ResizeArgs) {
    this.size = typeof args.size === 'number' ? [args.size, args.size] : [args.size[0], args.size[1]];
    this.interpolation = args.interpolation ?? 'bilinear';
  }
  transform(results: Results): Results {
    const img = getImg(results, 'Resize');
    const { h, w } = hwc(img);
    let [th, tw] = this.size;
    if (tw === -1) {
      const s = th;
      if ((w <= h && w === s) || (h <= w && h === s)) return results;
      if (w < h) (tw = s), (th = Math.trunc((s * h) / w));
      else (th = s), (tw = Math.trunc((s * w) / h));
    }
    return setImg(results, imresize(img, th, tw, this.interpolation));
  }
}

export const CenterCropArgs = Type.Object({ crop_size: SizeArg }, { additionalProperties: false });
export type CenterCropArgs = Static<typeof CenterCropArgs>;

/** mmcls CenterCrop: offsets round((H - h) / 2) (Python round), clipped to the image. */
@TRANSFORMS.register({ name: 'CenterCrop', schema: CenterCropArgs, description: 'Crops the centre' })
export class CenterCrop implements Transform {
  readonly size: [number, number];
  constructor(args: CenterCropArgs) {
    this.size = pair(args.crop_size, 'CenterCrop');
  }
  transform(results: Results): Results {
    const img = getImg(results, 'CenterCrop');
    const { h, w } = hwc(img);
    const [ch, cw] = this.size;
    const y1 = Math.max(0, roundHalfEven((h - ch) / 2));
    const x1 = Math.max(0, roundHalfEven((w - cw) / 2));
    const y2 = Math.min(h, y1 + ch) - 1;
    const x2 = Math.min(w, x1 + cw) - 1;
    return setImg(results, crop(img, x1, y1, x2, y2));
  }
}

/** Constant-pads an HWC image by [left, top, right, bottom]. */
function padConst(img: ImageArray, l: number, t: number, r: number, b: number, val: number): ImageArray {
  const { h, w, c } = hwc(img);
  const oh = h + t + b;
  const ow = w + l + r;
  const Ctor = img.data.constructor as new (n: number) => Uint8Array | Float32Array;
  const out = new Ctor(oh * ow * c);
  out.fill(val);
  for (let y = 0; y < h; y++) out.set(img.data.subarray(y * w * c, (y + 1) * w * c), ((y + t) * ow + l) * c);
  return { data: out, shape: [oh, ow, c] };
}

export const RandomCropArgs = Type.Object(
  {
    size: SizeArg,
    padding: Type.Optional(Type.Union([Type.Null(), Type.Integer({ minimum: 0 }), Type.Array(Type.Integer({ minimum: 0 }), { minItems: 2, maxItems: 4 })])),
    pad_if_needed: Type.Optional(Type.Boolean({ default: false })),
    pad_val: Type.Optional(Type.Number({ default: 0 })),
    padding_mode: Type.Optional(Type.Literal('constant', { default: 'constant' })),
  },
  { additionalProperties: false },
);
export type RandomCropArgs = Static<typeof RandomCropArgs>;

/** mmcls RandomCrop: optional padding, then top ~ randint(0, H-h), left ~ randint(0, W-w). */
@TRANSFORMS.register({ name: 'RandomCrop', schema: RandomCropArgs, description: 'Crops at a random position' })
export class RandomCrop implements Transform {
  readonly size: [number, number];
  constructor(readonly args: RandomCropArgs) {
    this.size = pair(args.size, 'RandomCrop');
  }
  transform(results: Results, rng: Rng): Results {
    let img = getImg(results, 'RandomCrop');
    const p = this.args.padding;
    const val = this.args.pad_val ?? 0;
    if (p !== undefined && p !== null) {
      const [l, t, r, b] = typeof p === 'number' ? [p, p, p, p] : p.length === 2 ? [p[0], p[1], p[0], p[1]] : p;
      img = padConst(img, l, t, r, b, val);
    }
    const [th, tw] = this.size;
    if (this.args.pad_if_needed) {
      const { h, w } = hwc(img);
      if (h < th) img = padConst(img, 0, th - h, 0, th - h, val);
      if (w < tw) img = padConst(img, tw - w, 0, tw - w, 0, val);
    }
    const { h, w } = hwc(img);
    if (h === th && w === tw) return setImg(results, img);
    if (th > h || tw > w) throw new Error(`RandomCrop: crop ${th}x${tw} is larger than the image ${h}x${w} (set pad_if_needed)`);
    const ymin = rng.randint(0, h - th);
    const xmin = rng.randint(0, w - tw);
    return setImg(results, crop(img, xmin, ymin, xmin + tw - 1, ymin + th - 1));
  }
}

export const RandomResizedCropArgs = Type.Object(
  {
    size: SizeArg,
    scale: Type.Optional(Type.Tuple([Type.Number(), Type.Number()], { default: [0.08, 1.0] })),
    ratio: Type.Optional(Type.Tuple([Type.Number(), Type.Number()], { default: [3 / 4, 4 / 3] })),
    max_attempts: Type.Optional(Type.Integer({ minimum: 0, default: 10 })),
    interpolation: Type.Optional(Interp),
    backend: Type.Optional(Type.Literal('cv2', { default: 'cv2' })),
  },
  { additionalProperties: false },
);
export type RandomResizedCropArgs = Static<typeof RandomResizedCropArgs>;

/** The crop window mmcls RandomResizedCrop.get_params picks (exported for tests). */
export function randomResizedCropParams(
  h: number,
  w: number,
  scale: [number, number],
  ratio: [number, number],
  rng: Pick<Rng, 'uniform' | 'randint'>,
  maxAttempts = 10,
): { top: number; left: number; height: number; width: number } {
  const area = h * w;
  const logRatio: [number, number] = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let i = 0; i < maxAttempts; i++) {
    const targetArea = rng.uniform(scale[0], scale[1]) * area;
    const aspect = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
    const tw = roundHalfEven(Math.sqrt(targetArea * aspect));
    const th = roundHalfEven(Math.sqrt(targetArea / aspect));
    if (tw > 0 && tw <= w && th > 0 && th <= h) {
      const top = rng.randint(0, h - th);
      const left = rng.randint(0, w - tw);
      return { top, left, height: th, width: tw };
    }
  }
  // Fallback: central crop with the ratio clamped into range.
  const inRatio = w / h;
  let tw: number;
  let th: number;
  if (inRatio < Math.min(...ratio)) {
    tw = w;
    th = roundHalfEven(tw / Math.min(...ratio));
  } else if (inRatio > Math.max(...ratio)) {
    th = h;
    tw = roundHalfEven(th * Math.max(...ratio));
  } else {
    tw = w;
    th = h;
  }
  return { top: Math.floor((h - th) / 2), left: Math.floor((w - tw) / 2), height: th, width: tw };
}

/**
 * mmcls RandomResizedCrop: up to `max_attempts` tries of area ~ U(scale)*HW and
 * log-uniform aspect ratio, sides rounded (half to even), then the central
 * fallback; the crop is resized to `size` with cv2 INTER_LINEAR.
 */
@TRANSFORMS.register({ name: 'RandomResizedCrop', schema: RandomResizedCropArgs, description: 'Random area/ratio crop resized to a fixed size' })
export class RandomResizedCrop implements Transform {
  readonly size: [number, number];
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly maxAttempts: number;
  readonly interpolation: string;
  constructor(args: RandomResizedCropArgs) {
    this.size = pair(args.size, 'RandomResizedCrop');
    this.scale = (args.scale ?? [0.08, 1.0]) as [number, number];
    this.ratio = (args.ratio ?? [3 / 4, 4 / 3]) as [number, number];
    this.maxAttempts = args.max_attempts ?? 10;
    this.interpolation = args.interpolation ?? 'bilinear';
    if (this.scale[0] > this.scale[1] || this.ratio[0] > this.ratio[1]) {
      throw new Error(`RandomResizedCrop: scale and ratio must be (min, max), got ${JSON.stringify(args.scale)}, ${JSON.stringify(args.ratio)}`);
    }
  }
  transform(results: Results, rng: Rng): Results {
    const img = getImg(results, 'RandomResizedCrop');
    const { h, w } = hwc(img);
    const p = randomResizedCropParams(h, w, this.scale, this.ratio, rng, this.maxAttempts);
    const cropped = crop(img, p.left, p.top, p.left + p.width - 1, p.top + p.height - 1);
    return setImg(results, imresize(cropped, this.size[0], this.size[1], this.interpolation));
  }
}

export const RandomFlipArgs = Type.Object(
  {
    flip_prob: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.5 })),
    direction: Type.Optional(Type.Union([Type.Literal('horizontal'), Type.Literal('vertical')], { default: 'horizontal' })),
  },
  { additionalProperties: false },
);
export type RandomFlipArgs = Static<typeof RandomFlipArgs>;

/** mmcls RandomFlip: flips when rand() < flip_prob; records `flip` / `flip_direction`. */
@TRANSFORMS.register({ name: 'RandomFlip', schema: RandomFlipArgs, description: 'Random horizontal/vertical flip' })
export class RandomFlip implements Transform {
  readonly flipProb: number;
  readonly direction: 'horizontal' | 'vertical';
  constructor(args: RandomFlipArgs = {}) {
    this.flipProb = args.flip_prob ?? 0.5;
    this.direction = args.direction ?? 'horizontal';
  }
  transform(results: Results, rng: Rng): Results {
    const doFlip = rng.random() < this.flipProb;
    results.flip = doFlip;
    results.flip_direction = this.direction;
    if (doFlip) setImg(results, flip(getImg(results, 'RandomFlip'), this.direction));
    return results;
  }
}

export const RandomRotateArgs = Type.Object(
  {
    prob: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.5 })),
    degree: Type.Union([Type.Number({ minimum: 0 }), Type.Tuple([Type.Number(), Type.Number()])], {
      description: 'max |angle| in degrees, or a [min, max] range; positive = clockwise',
    }),
    border_value: Type.Optional(Type.Union([Type.Number(), Type.Array(Type.Number())], { default: 0 })),
    interpolation: Type.Optional(Interp),
  },
  { additionalProperties: false },
);
export type RandomRotateArgs = Static<typeof RandomRotateArgs>;

/**
 * APViT RandomRotate: the angle ~ U(-degree, degree) is drawn on every call;
 * then with probability `prob` the image is rotated by mmcv.imrotate
 * (centre ((w-1)/2, (h-1)/2), bilinear, constant border, same size).
 */
@TRANSFORMS.register({ name: 'RandomRotate', schema: RandomRotateArgs, description: 'Random rotation (mmcv.imrotate)' })
export class RandomRotate implements Transform {
  readonly prob: number;
  readonly range: [number, number];
  constructor(readonly args: RandomRotateArgs) {
    this.prob = args.prob ?? 0.5;
    this.range = typeof args.degree === 'number' ? [-args.degree, args.degree] : [args.degree[0], args.degree[1]];
  }
  transform(results: Results, rng: Rng): Results {
    const angle = rng.uniform(this.range[0], this.range[1]);
    if (rng.random() < this.prob) {
      const img = getImg(results, 'RandomRotate');
      if (!(img.data instanceof Uint8Array)) throw new Error('RandomRotate expects a uint8 image (place it before Normalize)');
      setImg(results, imrotate(img, angle, { borderValue: this.args.border_value ?? 0, interpolation: this.args.interpolation ?? 'bilinear' }));
      results.rotate_angle = angle;
    }
    return results;
  }
}
