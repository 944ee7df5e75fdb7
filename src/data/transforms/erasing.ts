import { Type, type Static } from '@sinclair/typebox';
import { TRANSFORMS } from '../../registry/root';
import type { Rng } from '../../utils/rng';
import type { Results, Transform } from '../types';
import { roundHalfEven } from '../image/image';

export const RandomErasingArgs = Type.Object(
  {
    p: Type.Optional(Type.Number({ minimum: 0, maximum: 1, default: 0.5 })),
    scale: Type.Optional(Type.Tuple([Type.Number(), Type.Number()], { default: [0.02, 0.33] })),
    ratio: Type.Optional(Type.Tuple([Type.Number(), Type.Number()], { default: [0.3, 3.3] })),
    value: Type.Optional(Type.Union([Type.Literal('random'), Type.Number(), Type.Array(Type.Number())], { default: 0 })),
    inplace: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);
export type RandomErasingArgs = Static<typeof RandomErasingArgs>;

/** The erased box (top, left, h, w) or null after 10 failed tries; draws as torchvision 0.x get_params. */
export function randomErasingParams(
  H: number,
  W: number,
  scale: [number, number],
  ratio: [number, number],
  rng: Pick<Rng, 'uniform' | 'randint'>,
): { top: number; left: number; h: number; w: number } | null {
  const area = H * W;
  for (let i = 0; i < 10; i++) {
    const eraseArea = rng.uniform(scale[0], scale[1]) * area;
    const aspect = rng.uniform(ratio[0], ratio[1]);
    const h = roundHalfEven(Math.sqrt(eraseArea * aspect));
    const w = roundHalfEven(Math.sqrt(eraseArea / aspect));
    if (h < H && w < W) {
      const top = rng.randint(0, H - h);
      const left = rng.randint(0, W - w);
      return { top, left, h, w };
    }
  }
  return null;
}

/**
 * torchvision RandomErasing as wrapped by the official pipeline: with
 * probability p, a box of area ~ U(scale)*HW and ratio ~ U(ratio) (uniform,
 * not log-uniform) is filled with N(0,1) noise per pixel and channel
 * ('random') or a constant. Works on the normalised float image in either
 * layout; noise is drawn in CHW order.
 */
@TRANSFORMS.register({ name: 'RandomErasing', schema: RandomErasingArgs, description: 'Random erasing (torchvision semantics)' })
export class RandomErasing implements Transform {
  readonly p: number;
  readonly scale: [number, number];
  readonly ratio: [number, number];
  readonly value: 'random' | number | number[];
  constructor(args: RandomErasingArgs = {}) {
    this.p = args.p ?? 0.5;
    this.scale = (args.scale ?? [0.02, 0.33]) as [number, number];
    this.ratio = (args.ratio ?? [0.3, 3.3]) as [number, number];
    this.value = args.value ?? 0;
    if (this.scale[0] > this.scale[1] || this.ratio[0] > this.ratio[1]) throw new Error('RandomErasing: scale and ratio must be (min, max)');
  }
  transform(results: Results, rng: Rng): Results {
    const img = results.img;
    if (!img) throw new Error('RandomErasing: results.img is missing');
    if (!(rng.uniform(0, 1) < this.p)) return results;
    const chw = img.layout === 'CHW';
    const [C, H, W] = chw ? img.shape : [img.shape[2], img.shape[0], img.shape[1]];
    const box = randomErasingParams(H, W, this.scale, this.ratio, rng);
    if (!box) return results;
    const data = img.data instanceof Float32Array ? img.data : Float32Array.from(img.data);
    const at = (c: number, y: number, x: number) => (chw ? (c * H + y) * W + x : (y * W + x) * C + c);
    if (Array.isArray(this.value) && this.value.length !== C && this.value.length !== 1) {
      throw new Error(`RandomErasing: value has ${this.value.length} entries for a ${C}-channel image`);
    }
    for (let c = 0; c < C; c++) {
      for (let y = box.top; y < box.top + box.h; y++) {
        for (let x = box.left; x < box.left + box.w; x++) {
          const v = this.value === 'random' ? rng.normal() : Array.isArray(this.value) ? this.value[this.value.length === 1 ? 0 : c] : this.value;
          data[at(c, y, x)] = v;
        }
      }
    }
    results.img = { data, shape: img.shape, layout: img.layout };
    results.erased_box = [box.top, box.left, box.h, box.w];
    return results;
  }
}
