import '../../src/registry/validate';
import {
  CenterCrop,
  Collect,
  ColorJitter,
  Compose,
  ImageToTensor,
  collate,
  hwcToChw,
  Normalize,
  RandAugment,
  RandomAppliedTrans,
  RandomCrop,
  RandomErasing,
  RandomFlip,
  RandomGrayscale,
  RandomResizedCrop,
  RandomRotate,
  imrotate,
  randomErasingParams,
  randomResizedCropParams,
  adjustHue,
  type ImageArray,
  type Results,
} from '../../src/data';
import { TRANSFORMS } from '../../src/registry/root';
import { Rng } from '../../src/utils/rng';

/** An Rng whose draws are scripted: uniform/randint/random pop from queues. */
function scripted(draws: { uniform?: number[]; randint?: number[]; random?: number[]; normal?: number }): Rng {
  const u = [...(draws.uniform ?? [])];
  const ri = [...(draws.randint ?? [])];
  const r = [...(draws.random ?? [])];
  const take = (q: number[], what: string) => {
    if (!q.length) throw new Error(`scripted rng: no ${what} draw left`);
    return q.shift()!;
  };
  return {
    uniform: (lo: number, hi: number) => {
      const v = take(u, 'uniform');
      expect(v).toBeGreaterThanOrEqual(Math.min(lo, hi));
      return v;
    },
    randint: () => take(ri, 'randint'),
    random: () => take(r, 'random'),
    normal: () => draws.normal ?? 0,
    permutation: (n: number) => [...Array(n).keys()],
  } as unknown as Rng;
}

function img(h: number, w: number, c = 3, f: (y: number, x: number, k: number) => number = (y, x, k) => (y * 16 + x * 3 + k) % 256): ImageArray {
  const d = new Uint8Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) d[(y * w + x) * c + k] = f(y, x, k);
  return { data: d, shape: [h, w, c] };
}

describe('RandomResizedCrop', () => {
  it('takes the first try that fits (area, log-ratio, Python rounding, randint offsets)', () => {
    // area 0.5*100*80 = 4000, ratio e^0 = 1 -> side round(63.245..) = 63, offsets drawn inclusive.
    const p = randomResizedCropParams(100, 80, [0.08, 1], [0.75, 4 / 3], scripted({ uniform: [0.5, 0], randint: [7, 12] }));
    expect(p).toEqual({ top: 7, left: 12, height: 63, width: 63 });
  });
  it('retries when the crop does not fit, then falls back to a centred crop after 10 tries', () => {
    // Try 1: area 1.0 * 100 * 50 with ratio e^ln(2) = 2: w = round(sqrt(10000)) = 100 > 50 -> rejected.
    const p = randomResizedCropParams(100, 50, [0.5, 1], [0.5, 2], scripted({ uniform: [1, Math.log(2), 0.5, 0], randint: [3, 4] }));
    expect(p).toEqual({ top: 3, left: 4, height: 50, width: 50 });
    const fb = randomResizedCropParams(100, 20, [1, 1], [1, 1], scripted({ uniform: new Array(20).fill(1).map((v, i) => (i % 2 ? 0 : v)) }));
    // in_ratio 0.2 < min ratio 1: width 20, height round(20 / 1) = 20, centred.
    expect(fb).toEqual({ top: 40, left: 0, height: 20, width: 20 });
  });
  it('crops that window and resizes it (official RAF params: square crop of 80-100% area)', () => {
    const t = new RandomResizedCrop({ size: 8, scale: [0.8, 1.0], ratio: [1, 1] });
    const src = img(10, 10);
    // area 0.81 * 100 = 81 -> side 9 at (top 1, left 0); 9 -> 8 resize.
    const out = t.transform({ img: src }, scripted({ uniform: [0.81, 0], randint: [1, 0] }));
    expect(out.img!.shape).toEqual([8, 8, 3]);
    const same = new RandomResizedCrop({ size: 9, scale: [0.81, 0.81], ratio: [1, 1] }).transform({ img: src }, scripted({ uniform: [0.81, 0], randint: [1, 0] }));
    expect(Array.from(same.img!.data.subarray(0, 3))).toEqual(Array.from(src.data.subarray(30, 33)));
  });
});

describe('RandomErasing', () => {
  it('computes the box from fixed draws (uniform ratio, h from area*ratio)', () => {
    // area 0.1 * 20 * 30 = 60, ratio 0.6: h = round(sqrt(36)) = 6, w = round(sqrt(100)) = 10.
    const box = randomErasingParams(20, 30, [0.02, 0.33], [0.3, 3.3], scripted({ uniform: [0.1, 0.6], randint: [4, 17] }));
    expect(box).toEqual({ top: 4, left: 17, h: 6, w: 10 });
  });
  it('rejects boxes not strictly smaller than the image; gives up after 10 tries', () => {
    // area 16 with ratio 1: h = w = 4, not < 4, every time.
    expect(randomErasingParams(4, 4, [0.02, 1], [0.3, 3.3], scripted({ uniform: new Array(20).fill(1) }))).toBeNull();
  });
  it('fills the box of a CHW tensor with N(0,1) noise or a constant, only when u < p', () => {
    const chw: ImageArray = { data: new Float32Array(2 * 5 * 6).fill(9), shape: [2, 5, 6], layout: 'CHW' };
    const t = new RandomErasing({ p: 0.5, value: 'random' });
    const out = t.transform({ img: chw }, scripted({ uniform: [0.4, 0.1, 0.5], randint: [1, 2], normal: -0.25 }));
    // area 0.1*30 = 3, ratio 0.5: h = round(sqrt(1.5)) = 1, w = round(sqrt(6)) = 2.
    expect(out.erased_box).toEqual([1, 2, 1, 2]);
    const d = out.img!.data;
    const changed = Array.from(d).map((v, i) => (v !== 9 ? i : -1)).filter((i) => i >= 0);
    expect(changed).toEqual([8, 9, 38, 39]); // c0 row1 x2..3 and c1 row1 x2..3
    expect(d[8]).toBe(-0.25);
    const skip = new RandomErasing({ p: 0.5 }).transform({ img: { ...chw, data: new Float32Array(60).fill(9) } }, scripted({ uniform: [0.6] }));
    expect(skip.erased_box).toBeUndefined();
  });
});

describe('ColorJitter (torchvision on PIL, BGR treated as RGB)', () => {
  const px = (vals: number[]): ImageArray => ({ data: Uint8Array.from(vals), shape: [1, vals.length / 3, 3] });
  it('brightness truncates x * f', () => {
    const cj = new ColorJitter({ brightness: 0.4 });
    expect(cj.brightness).toEqual([0.6, 1.4]);
    const out = cj.apply(Uint8Array.from([100, 200, 7]), 1, { order: [0, 1, 2, 3], brightness: 1.3, contrast: null, saturation: null, hue: null });
    expect(Array.from(out)).toEqual([130, 255, 9]);
  });
  it('contrast blends towards the mean of the PIL L image', () => {
    const cj = new ColorJitter({ contrast: 0.4 });
    // L = (R*19595 + G*38470 + B*7471 + 0x8000) >> 16: pixels (0,0,0)->0 and (255,255,255)->255, mean 127.5 -> int(128.0) = 128
    const out = cj.apply(px([0, 0, 0, 255, 255, 255]).data as Uint8Array, 2, { order: [1], brightness: null, contrast: 0.5, saturation: null, hue: null });
    expect(Array.from(out)).toEqual([64, 64, 64, 191, 191, 191]);
  });
  it('saturation 0 gives the L value with channel 0 weighted as R', () => {
    const cj = new ColorJitter({ saturation: 1 });
    const out = cj.apply(Uint8Array.from([200, 100, 50]), 1, { order: [2], brightness: null, contrast: null, saturation: 0, hue: null });
    const L = (200 * 19595 + 100 * 38470 + 50 * 7471 + 0x8000) >> 16;
    expect(Array.from(out)).toEqual([L, L, L]);
  });
  it('hue shifts the HSV hue byte by uint8(int(f * 255))', () => {
    // red (h=0) shifted by int(0.1*255)=25: i=0, f=25*6/255, t=round(255*f)=150 -> (255, 150, 0)
    expect(Array.from(adjustHue(Uint8Array.from([255, 0, 0]), 1, 0.1))).toEqual([255, 150, 0]);
    // negative factors wrap: -0.1 -> 256-25 = 231: i=5, (255, 0, q)
    const neg = adjustHue(Uint8Array.from([255, 0, 0]), 1, -0.1);
    expect(neg[0]).toBe(255);
    expect(neg[1]).toBe(0);
    expect(neg[2]).toBe(Math.round(255 * (1 - ((231 * 6) / 255 - 5))));
    expect(Array.from(adjustHue(Uint8Array.from([90, 90, 90]), 1, 0.3))).toEqual([90, 90, 90]);
  });
  it('draws a permutation then the four factors in their ranges', () => {
    const cj = new ColorJitter({ brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 });
    const p = cj.getParams(new Rng(4));
    expect([...p.order].sort()).toEqual([0, 1, 2, 3]);
    for (const f of [p.brightness!, p.contrast!, p.saturation!]) expect(f >= 0.6 && f <= 1.4).toBe(true);
    expect(Math.abs(p.hue!)).toBeLessThanOrEqual(0.1);
    expect(() => new ColorJitter({ hue: 0.7 })).toThrow(/hue/);
  });
});

describe('RandomGrayscale / Normalize / flips / crops', () => {
  it('applies cv2 RGB2GRAY weights to BGR data (0.299 on channel 0)', () => {
    const t = new RandomGrayscale({ gray_prob: 1 });
    const out = t.transform({ img: { data: Uint8Array.from([100, 150, 200]), shape: [1, 1, 3] } }, scripted({ random: [0.3] }));
    // (100*4899 + 150*9617 + 200*1868 + 8192) >> 14 = 141 (0.299*100 + 0.587*150 + 0.114*200 = 140.75)
    expect(Array.from(out.img!.data)).toEqual([141, 141, 141]);
    const keep = new RandomGrayscale({ gray_prob: 0.2 }).transform({ img: { data: Uint8Array.from([1, 2, 3]), shape: [1, 1, 3] } }, scripted({ random: [0.2] }));
    expect(Array.from(keep.img!.data)).toEqual([1, 2, 3]);
  });
  it('Normalize swaps BGR->RGB and applies (x - mean) / std in float32', () => {
    const out = new Normalize({ mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], to_rgb: true }).transform({
      img: { data: Uint8Array.from([10, 20, 30]), shape: [1, 1, 3] },
    });
    const d = out.img!.data as Float32Array;
    expect(d).toBeInstanceOf(Float32Array);
    expect(d[0]).toBeCloseTo((30 - 123.675) / 58.395, 5);
    expect(d[2]).toBeCloseTo((10 - 103.53) / 57.375, 5);
    expect(out.img_norm_cfg).toEqual({ mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], to_rgb: true });
  });
  it('RandomFlip flips when rand < p', () => {
    const src = img(2, 3);
    const out = new RandomFlip({ flip_prob: 0.5 }).transform({ img: src }, scripted({ random: [0.49] }));
    expect(out.flip).toBe(true);
    expect(Array.from(out.img!.data.subarray(0, 3))).toEqual(Array.from(src.data.subarray(6, 9)));
    expect(new RandomFlip({ flip_prob: 0.5 }).transform({ img: src }, scripted({ random: [0.5] })).flip).toBe(false);
  });
  it('CenterCrop uses Python rounding of the offsets; RandomCrop pads and offsets by randint', () => {
    const src = img(5, 6);
    const cc = new CenterCrop({ crop_size: [2, 3] }).transform({ img: src });
    // y1 = round(1.5) = 2, x1 = round(1.5) = 2
    expect(Array.from(cc.img!.data.subarray(0, 3))).toEqual(Array.from(src.data.subarray((2 * 6 + 2) * 3, (2 * 6 + 2) * 3 + 3)));
    const rc = new RandomCrop({ size: 4, padding: 1 }).transform({ img: img(3, 3, 1, () => 5) }, scripted({ randint: [0, 1] }));
    expect(Array.from(rc.img!.data)).toEqual([0, 0, 0, 0, 5, 5, 5, 0, 5, 5, 5, 0, 5, 5, 5, 0]);
  });
});

describe('RandomRotate (mmcv.imrotate: warpAffine, bilinear, border 0)', () => {
  const dot = img(5, 5, 1, (y, x) => (y === 2 && x === 3 ? 200 : 0));
  it('rotates a known pattern clockwise by 90 degrees about ((w-1)/2, (h-1)/2)', () => {
    const r = imrotate(dot, 90);
    const at = Array.from(r.data).map((v, i) => (v ? [Math.floor(i / 5), i % 5, v] : null)).filter(Boolean);
    expect(at).toEqual([[3, 2, 200]]);
    expect(Array.from(imrotate(dot, 0).data)).toEqual(Array.from(dot.data));
    // 45 degrees on 7x7: the corner samples (3, -1.24), more than a pixel outside -> border 0;
    const full = imrotate(img(7, 7, 1, () => 100), 45);
    expect(full.data[0]).toBe(0);
    expect(full.data[24]).toBe(100);
    // On 5x5 the inverse map sends dst (0,0) to src x = -0.8284, y = 2: in 10-bit fixed point
    // X = rint(-0.8284*1024) + 16 = -832, >> 5 = -26 -> sx = -1, tx = 6/32; weight of column 0 is
    // 32*6*32 = 6144 of 32768: (100*6144 + 16384) >> 15 = 19.
    expect(imrotate(img(5, 5, 1, () => 100), 45).data[0]).toBe(19);
  });
  it('draws the angle on every call and rotates with probability prob', () => {
    const t = new RandomRotate({ prob: 0.5, degree: 6 });
    const kept = t.transform({ img: dot }, scripted({ uniform: [3], random: [0.7] }));
    expect(kept.img).toBe(dot);
    const rot = new RandomRotate({ prob: 1, degree: 90 }).transform({ img: dot }, scripted({ uniform: [90], random: [0.1] }));
    expect(rot.rotate_angle).toBe(90);
    expect(rot.img!.data[3 * 5 + 2]).toBe(200);
  });
});

describe('RandomAppliedTrans, RandAugment, formatting, Compose', () => {
  it('RandomAppliedTrans applies its transforms unless rand > p', async () => {
    const t = new RandomAppliedTrans({ p: 0.8, transforms: [new RandomGrayscale({ gray_prob: 1 })] });
    const src = () => ({ img: { data: Uint8Array.from([100, 150, 200]), shape: [1, 1, 3] as [number, number, number] } });
    expect(Array.from(((await t.transform(src(), scripted({ random: [0.9] }))) as Results).img!.data)).toEqual([100, 150, 200]);
    expect(Array.from(((await t.transform(src(), scripted({ random: [0.8, 0] }))) as Results).img!.data)).toEqual([141, 141, 141]);
  });
  it('RandAugment maps the level into each magnitude_range and applies the chosen ops', async () => {
    const t = TRANSFORMS.build<RandAugment>({
      type: 'RandAugment',
      policies: [{ type: 'Brightness', magnitude_key: 'magnitude', magnitude_range: [0, 0.9], prob: 1, random_negative_prob: 0 }],
      num_policies: 2,
      magnitude_level: 10,
    });
    // level 10 of 30 -> magnitude 0.3 -> factor 1.3, applied twice: trunc(trunc(100*1.3)*1.3) = 169
    const out = (await t.transform({ img: { data: Uint8Array.from([100, 10, 0]), shape: [1, 1, 3] } }, new Rng(1))) as Results;
    expect(Array.from(out.img!.data)).toEqual([169, 16, 0]);
    for (const type of ['Invert', 'AutoContrast', 'Equalize', 'Posterize', 'Solarize', 'SolarizeAdd', 'Contrast', 'ColorTransform', 'Sharpness', 'Rotate', 'Shear', 'Translate']) {
      expect(TRANSFORMS.has(type)).toBe(true);
    }
    const inv = TRANSFORMS.build<{ transform: (r: Results, g: Rng) => Results }>({ type: 'Invert', prob: 1 });
    expect(Array.from(inv.transform({ img: { data: Uint8Array.from([0, 100, 255]), shape: [1, 1, 3] } }, new Rng(0)).img!.data)).toEqual([255, 155, 0]);
  });
  it('ImageToTensor makes float32 and keeps HWC (the collate lays out NHWC once); Collect keeps keys and gathers metas', () => {
    const src = img(2, 2);
    const r = new ImageToTensor({ keys: ['img'] }).transform({ img: src, gt_label: 3, filename: 'a.png', flip: false });
    expect(r.img!.shape).toEqual([2, 2, 3]);
    expect(r.img!.layout).toBe('HWC');
    expect(r.img!.data).toBeInstanceOf(Float32Array);
    expect(Array.from(r.img!.data)).toEqual(Array.from(src.data));
    // the batch is the same as from mmcls's CHW tensor transposed back
    const viaChw = collate([{ img: hwcToChw(src) }], [0]);
    const direct = collate([{ img: r.img }], [0]);
    expect(direct.img.shape).toEqual([1, 2, 2, 3]);
    expect(Array.from(direct.img.data)).toEqual(Array.from(viaChw.img.data));
    const c = new Collect({ keys: ['img', 'gt_label'] }).transform(r);
    expect(Object.keys(c).sort()).toEqual(['gt_label', 'img', 'img_metas']);
    expect(c.img_metas).toEqual({ filename: 'a.png', flip: false });
    expect(() => new Collect({ keys: ['nope'] }).transform(r)).toThrow(/nope/);
  });
  it('Compose builds config nodes, runs in order and stops at null', async () => {
    const seen: string[] = [];
    const c = new Compose({ transforms: [{ type: 'RandomFlip', flip_prob: 0 }, (r: Results) => (seen.push('fn'), null), () => (seen.push('after'), {})] });
    expect(await c.transform({ img: img(1, 1) }, new Rng(0))).toBeNull();
    expect(seen).toEqual(['fn']);
  });
});
