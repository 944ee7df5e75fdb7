/**
 * The mmcls 0.x auto-augment operations (used by RandAugment policies), on
 * uint8 HWC BGR images with mmcv arithmetic. Each op runs when
 * rand() <= prob; signed magnitudes are negated when rand() < random_negative_prob.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { TRANSFORMS } from '../../registry/root';
import type { Rng } from '../../utils/rng';
import type { ImageArray, Results, Transform } from '../types';
import { hwc, requireU8 } from '../image/image';
import { imrotate, warpAffineU8, type Affine } from '../image/warp';

function u8(results: Results, who: string): { img: ImageArray; d: Uint8Array; h: number; w: number; c: number } {
  const img = results.img;
  if (!img) throw new Error(`${who}: results.img is missing`);
  const { h, w, c } = hwc(img);
  return { img, d: requireU8(img, who), h, w, c };
}

/** cv2.addWeighted(a, alpha, b, beta, 0) in float32, clipped and truncated by astype(uint8). */
function blendTrunc(a: Uint8Array, b: (i: number) => number, alpha: number): Uint8Array {
  const out = new Uint8Array(a.length);
  const fa = Math.fround(alpha);
  const fb = Math.fround(1 - alpha);
  for (let i = 0; i < a.length; i++) {
    const v = Math.fround(Math.fround(a[i] * fa) + Math.fround(b(i) * fb));
    out[i] = v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
  }
  return out;
}

/** mmcv.bgr2gray on uint8 (cv2 BGR2GRAY: B gets 0.114). */
function bgr2gray(d: Uint8Array, n: number, c: number): Uint8Array {
  const g = new Uint8Array(n);
  for (let i = 0; i < n; i++) g[i] = (d[i * c] * 1868 + d[i * c + 1] * 9617 + d[i * c + 2] * 4899 + 8192) >> 14;
  return g;
}

const Common = {
  prob: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.5 })),
};
const Signed = {
  ...Common,
  random_negative_prob: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.5 })),
};
const Geo = {
  ...Signed,
  pad_val: Type.Optional(Type.Union([Type.Number(), Type.Array(Type.Number())], { default: 128 })),
  interpolation: Type.Optional(Type.Union([Type.Literal('bilinear'), Type.Literal('nearest')])),
};

abstract class AugOp implements Transform {
  readonly prob: number;
  readonly rnp: number;
  constructor(readonly args: { prob?: number; random_negative_prob?: number }) {
    this.prob = args.prob ?? 0.5;
    this.rnp = args.random_negative_prob ?? 0.5;
  }
  protected signed(m: number, rng: Rng): number {
    return rng.random() < this.rnp ? -m : m;
  }
  transform(results: Results, rng: Rng): Results {
    if (rng.random() > this.prob) return results;
    return this.apply(results, rng);
  }
  protected abstract apply(results: Results, rng: Rng): Results;
}

function reg(name: string, schema: TSchema, description: string) {
  return TRANSFORMS.register({ name, schema, description });
}

const LutArgs = Type.Object({ ...Common }, { additionalProperties: false });

@reg('Invert', LutArgs, 'Inverts pixel values')
export class Invert extends AugOp {
  protected apply(r: Results): Results {
    const { d, img } = u8(r, 'Invert');
    r.img = { data: d.map((v) => 255 - v), shape: img.shape };
    return r;
  }
}

@reg('AutoContrast', LutArgs, 'Stretches each channel to [0, 255]')
export class AutoContrast extends AugOp {
  protected apply(r: Results): Results {
    const { d, img, h, w, c } = u8(r, 'AutoContrast');
    const out = new Uint8Array(d.length);
    for (let k = 0; k < c; k++) {
      let lo = 255;
      let hi = 0;
      for (let i = 0; i < h * w; i++) (lo = Math.min(lo, d[i * c + k])), (hi = Math.max(hi, d[i * c + k]));
      const scale = hi > lo ? 255 / (hi - lo) : 1;
      const offset = hi > lo ? -lo * scale : 0;
      for (let i = 0; i < h * w; i++) {
        const v = hi > lo ? d[i * c + k] * scale + offset : d[i * c + k];
        out[i * c + k] = Math.trunc(Math.min(255, Math.max(0, v)));
      }
    }
    r.img = { data: out, shape: img.shape };
    return r;
  }
}

@reg('Equalize', LutArgs, 'Histogram equalisation per channel (mmcv.imequalize)')
export class Equalize extends AugOp {
  protected apply(r: Results): Results {
    const { d, img, h, w, c } = u8(r, 'Equalize');
    const out = new Uint8Array(d.length);
    for (let k = 0; k < c; k++) {
      const hist = new Array(256).fill(0);
      for (let i = 0; i < h * w; i++) hist[d[i * c + k]]++;
      const nonzero = hist.filter((v) => v > 0);
      const step = Math.floor((nonzero.reduce((a, b) => a + b, 0) - nonzero[nonzero.length - 1]) / 255);
      const lut = new Array(256);
      if (!step) for (let i = 0; i < 256; i++) lut[i] = i;
      else {
        let cum = 0;
        lut[0] = 0;
        for (let i = 0; i < 255; i++) {
          cum += hist[i];
          lut[i + 1] = Math.min(255, Math.floor((cum + Math.floor(step / 2)) / step));
        }
      }
      for (let i = 0; i < h * w; i++) out[i * c + k] = lut[d[i * c + k]];
    }
    r.img = { data: out, shape: img.shape };
    return r;
  }
}

const PosterizeArgs = Type.Object(
  {
    bits: Type.Number({ minimum: 0, maximum: 8 }),
    rounding: Type.Optional(Type.Union([Type.Literal('ceil'), Type.Literal('floor')], { default: 'ceil', description: "fractional bits: 'ceil' (mmcv) or 'floor' (PaddleClas's int())" })),
    ...Common,
  },
  { additionalProperties: false },
);
@reg('Posterize', PosterizeArgs, 'Keeps the top `bits` bits')
export class Posterize extends AugOp {
  readonly bits: number;
  constructor(args: Static<typeof PosterizeArgs>) {
    super(args);
    this.bits = args.rounding === 'floor' ? Math.floor(args.bits) : Math.ceil(args.bits);
  }
  protected apply(r: Results): Results {
    const { d, img } = u8(r, 'Posterize');
    const s = 8 - this.bits;
    r.img = { data: d.map((v) => ((v >> s) << s) & 255), shape: img.shape };
    return r;
  }
}

const SolarizeArgs = Type.Object({ thr: Type.Number(), ...Common }, { additionalProperties: false });
@reg('Solarize', SolarizeArgs, 'Inverts pixels >= thr')
export class Solarize extends AugOp {
  constructor(readonly a: Static<typeof SolarizeArgs>) {
    super(a);
  }
  protected apply(r: Results): Results {
    const { d, img } = u8(r, 'Solarize');
    r.img = { data: d.map((v) => (v < this.a.thr ? v : 255 - v)), shape: img.shape };
    return r;
  }
}

const SolarizeAddArgs = Type.Object({ magnitude: Type.Number(), thr: Type.Optional(Type.Number({ default: 128 })), ...Common }, { additionalProperties: false });
@reg('SolarizeAdd', SolarizeAddArgs, 'Adds magnitude to pixels < thr')
export class SolarizeAdd extends AugOp {
  constructor(readonly a: Static<typeof SolarizeAddArgs>) {
    super(a);
  }
  protected apply(r: Results): Results {
    const { d, img } = u8(r, 'SolarizeAdd');
    const thr = this.a.thr ?? 128;
    r.img = { data: d.map((v) => (v < thr ? Math.min(255, Math.trunc(v + this.a.magnitude)) : v)), shape: img.shape };
    return r;
  }
}

const MagArgs = Type.Object({ magnitude: Type.Number(), ...Signed }, { additionalProperties: false });
type MagArgs = Static<typeof MagArgs>;

@reg('Brightness', MagArgs, 'mmcv.adjust_brightness(1 + magnitude)')
export class Brightness extends AugOp {
  constructor(readonly a: MagArgs) {
    super(a);
  }
  protected apply(r: Results, rng: Rng): Results {
    const m = this.signed(this.a.magnitude, rng);
    const { d, img } = u8(r, 'Brightness');
    r.img = { data: blendTrunc(d, () => 0, 1 + m), shape: img.shape };
    return r;
  }
}

@reg('Contrast', MagArgs, 'mmcv.adjust_contrast(1 + magnitude)')
export class Contrast extends AugOp {
  constructor(readonly a: MagArgs) {
    super(a);
  }
  protected apply(r: Results, rng: Rng): Results {
    const m = this.signed(this.a.magnitude, rng);
    const { d, img, h, w, c } = u8(r, 'Contrast');
    const g = bgr2gray(d, h * w, c);
    let sum = 0;
    for (const v of g) sum += v;
    const mean = Math.round(sum / (h * w));
    r.img = { data: blendTrunc(d, () => mean, 1 + m), shape: img.shape };
    return r;
  }
}

@reg('ColorTransform', MagArgs, 'mmcv.adjust_color(1 + magnitude): saturation')
export class ColorTransform extends AugOp {
  constructor(readonly a: MagArgs) {
    super(a);
  }
  protected apply(r: Results, rng: Rng): Results {
    const m = this.signed(this.a.magnitude, rng);
    const { d, img, h, w, c } = u8(r, 'ColorTransform');
    const g = bgr2gray(d, h * w, c);
    const alpha = 1 + m;
    const out = new Uint8Array(d.length);
    // cv2.addWeighted on uint8 rounds and saturates.
    for (let i = 0; i < d.length; i++) out[i] = Math.min(255, Math.max(0, Math.round(d[i] * alpha + g[(i / c) | 0] * (1 - alpha))));
    r.img = { data: out, shape: img.shape };
    return r;
  }
}

@reg('Sharpness', MagArgs, 'mmcv.adjust_sharpness(1 + magnitude)')
export class Sharpness extends AugOp {
  constructor(readonly a: MagArgs) {
    super(a);
  }
  protected apply(r: Results, rng: Rng): Results {
    const m = this.signed(this.a.magnitude, rng);
    const { d, img, h, w, c } = u8(r, 'Sharpness');
    // cv2.filter2D with [[1,1,1],[1,5,1],[1,1,1]]/13, BORDER_REFLECT_101, rounded to uint8.
    const blur = new Uint8Array(d.length);
    const refl = (i: number, n: number) => (n === 1 ? 0 : i < 0 ? -i : i >= n ? 2 * n - 2 - i : i);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++)
        for (let k = 0; k < c; k++) {
          let s = 0;
          for (let dy = -1; dy <= 1; dy++)
            for (let dx = -1; dx <= 1; dx++) s += d[(refl(y + dy, h) * w + refl(x + dx, w)) * c + k] * (dx === 0 && dy === 0 ? 5 : 1);
          blur[(y * w + x) * c + k] = Math.min(255, Math.round(s / 13));
        }
    r.img = { data: blendTrunc(d, (i) => blur[i], 1 + m), shape: img.shape };
    return r;
  }
}

const RotateArgs = Type.Object({ angle: Type.Number(), ...Geo }, { additionalProperties: false });
@reg('Rotate', RotateArgs, 'Rotates by angle degrees (clockwise), pad_val border')
export class Rotate extends AugOp {
  constructor(readonly a: Static<typeof RotateArgs>) {
    super(a);
  }
  protected apply(r: Results, rng: Rng): Results {
    const angle = this.signed(this.a.angle, rng);
    const { img } = u8(r, 'Rotate');
    r.img = imrotate(img, angle, { borderValue: this.a.pad_val ?? 128, interpolation: this.a.interpolation ?? 'nearest' });
    return r;
  }
}

const DirArgs = Type.Object(
  { magnitude: Type.Number(), direction: Type.Optional(Type.Union([Type.Literal('horizontal'), Type.Literal('vertical')], { default: 'horizontal' })), ...Geo },
  { additionalProperties: false },
);
type DirArgs = Static<typeof DirArgs>;

@reg('Shear', DirArgs, 'Shears by magnitude (mmcv.imshear)')
export class Shear extends AugOp {
  constructor(readonly a: DirArgs) {
    super(a);
  }
  protected apply(r: Results, rng: Rng): Results {
    const m = this.signed(this.a.magnitude, rng);
    const { img } = u8(r, 'Shear');
    const M: Affine = (this.a.direction ?? 'horizontal') === 'horizontal' ? [1, m, 0, 0, 1, 0] : [1, 0, 0, m, 1, 0];
    r.img = warpAffineU8(img, M, { borderValue: this.a.pad_val ?? 128, interpolation: this.a.interpolation ?? 'bilinear' });
    return r;
  }
}

@reg('Translate', DirArgs, 'Translates by magnitude x image size (mmcv.imtranslate)')
export class Translate extends AugOp {
  constructor(readonly a: DirArgs) {
    super(a);
  }
  protected apply(r: Results, rng: Rng): Results {
    const m = this.signed(this.a.magnitude, rng);
    const { img, h, w } = u8(r, 'Translate');
    const horiz = (this.a.direction ?? 'horizontal') === 'horizontal';
    const off = horiz ? m * w : m * h;
    const M: Affine = horiz ? [1, 0, off, 0, 1, 0] : [1, 0, 0, 0, 1, off];
    r.img = warpAffineU8(img, M, { borderValue: this.a.pad_val ?? 128, interpolation: this.a.interpolation ?? 'nearest' });
    return r;
  }
}
