import { Type, type Static } from '@sinclair/typebox';
import { TRANSFORMS } from '../../registry/root';
import type { ImageArray, Results, Transform } from '../types';

/** HWC -> CHW copy. */
export function hwcToChw(img: ImageArray): ImageArray {
  if (img.layout === 'CHW') return img;
  const [h, w, c] = img.shape;
  const out = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) out[(k * h + y) * w + x] = img.data[(y * w + x) * c + k];
  return { data: out, shape: [c, h, w], layout: 'CHW' };
}

/** CHW -> HWC copy (float32). */
export function chwToHwc(img: ImageArray): ImageArray {
  if (img.layout !== 'CHW') return img;
  const [c, h, w] = img.shape;
  const out = new Float32Array(h * w * c);
  for (let k = 0; k < c; k++) for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out[(y * w + x) * c + k] = img.data[(k * h + y) * w + x];
  return { data: out, shape: [h, w, c] };
}

const Keys = Type.Object({ keys: Type.Array(Type.String(), { minItems: 1 }) }, { additionalProperties: false });
export type KeysArgs = Static<typeof Keys>;

/** HWC image -> the same HWC image as float32 (a CHW tensor is kept as is). */
export function toFloatImage(img: ImageArray): ImageArray {
  if (img.layout === 'CHW') return img;
  const data = img.data instanceof Float32Array ? img.data : Float32Array.from(img.data);
  return { data, shape: [...img.shape] as [number, number, number], layout: 'HWC' };
}

/**
 * mmcls ImageToTensor, keeping the name: the image becomes a float32 tensor.
 * Its HWC layout is kept, because the batch is laid out once, NHWC, by the
 * collate (tfjs's layout); mmcls's CHW transpose here would only be undone
 * there. RandomErasing draws its noise in CHW order on either layout, so a
 * pipeline gives the same numbers as with the transpose.
 */
@TRANSFORMS.register({ name: 'ImageToTensor', schema: Keys, description: 'image to float32 tensor (HWC kept; the collate lays the batch out NHWC)' })
export class ImageToTensor implements Transform {
  readonly keys: string[];
  constructor(args: KeysArgs) {
    this.keys = args.keys;
  }
  transform(results: Results): Results {
    for (const k of this.keys) {
      const v = results[k] as ImageArray | undefined;
      if (!v || !v.data || !v.shape) throw new Error(`ImageToTensor: results.${k} is not an image`);
      results[k] = toFloatImage(v);
    }
    return results;
  }
}

/** mmcls ToTensor: checks the keys hold numbers or arrays (labels stay numbers; the collate makes Int32Array). */
@TRANSFORMS.register({ name: 'ToTensor', schema: Keys, description: 'Marks values as tensors (labels, arrays)' })
export class ToTensor implements Transform {
  readonly keys: string[];
  constructor(args: KeysArgs) {
    this.keys = args.keys;
  }
  transform(results: Results): Results {
    for (const k of this.keys) {
      const v = results[k];
      if (v === undefined) throw new Error(`ToTensor: results.${k} is missing`);
      if (typeof v !== 'number' && !ArrayBuffer.isView(v) && !Array.isArray(v) && !(v && typeof v === 'object' && 'data' in (v as object))) {
        throw new Error(`ToTensor: type ${typeof v} of results.${k} cannot be converted to a tensor`);
      }
    }
    return results;
  }
}

export const DEFAULT_META_KEYS = ['filename', 'ori_filename', 'ori_shape', 'img_shape', 'flip', 'flip_direction', 'img_norm_cfg'];

export const CollectArgs = Type.Object(
  {
    keys: Type.Array(Type.String(), { minItems: 1 }),
    meta_keys: Type.Optional(Type.Array(Type.String(), { default: DEFAULT_META_KEYS })),
  },
  { additionalProperties: false },
);
export type CollectArgs = Static<typeof CollectArgs>;

/** mmcls Collect: keeps `keys` and gathers `meta_keys` (those present) into `img_metas`. */
@TRANSFORMS.register({ name: 'Collect', schema: CollectArgs, description: 'Selects the keys passed to the model' })
export class Collect implements Transform {
  readonly keys: string[];
  readonly metaKeys: string[];
  constructor(args: CollectArgs) {
    this.keys = args.keys;
    this.metaKeys = args.meta_keys ?? DEFAULT_META_KEYS;
  }
  transform(results: Results): Results {
    const out: Results = {};
    const metas: Record<string, unknown> = {};
    for (const k of this.metaKeys) if (k in results) metas[k] = results[k];
    for (const k of this.keys) {
      if (!(k in results)) throw new Error(`Collect: key '${k}' is not in the results (have: ${Object.keys(results).join(', ')})`);
      out[k] = results[k];
    }
    out.img_metas = metas;
    return out;
  }
}
