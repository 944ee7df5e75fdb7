import * as path from 'path';
import { Type, type Static } from '@sinclair/typebox';
import { TRANSFORMS } from '../../registry/root';
import type { Results, Transform } from '../types';
import { imread } from '../image/io';
import { DEFAULT_MAX_PIXELS } from '../image/decode-limits';

export const LoadImageFromFileArgs = Type.Object(
  {
    to_float32: Type.Optional(Type.Boolean({ default: false, description: 'Convert the image to float32' })),
    color_type: Type.Optional(Type.Union([Type.Literal('color'), Type.Literal('grayscale'), Type.Literal('unchanged')], { default: 'color' })),
    channel_order: Type.Optional(Type.Union([Type.Literal('bgr'), Type.Literal('rgb')], { default: 'bgr' })),
    max_pixels: Type.Optional(
      Type.Integer({ minimum: 1, default: DEFAULT_MAX_PIXELS, description: 'Refuse larger images (checked from the header, before decoding)' }),
    ),
    file_client_args: Type.Optional(Type.Unknown({ description: 'Accepted for mmcv compatibility; files are read from disk' })),
  },
  { additionalProperties: false },
);
export type LoadImageFromFileArgs = Static<typeof LoadImageFromFileArgs>;

/**
 * mmcls LoadImageFromFile: reads `img_prefix/img_info.filename` as HWC uint8
 * BGR (grayscale expanded to 3 channels). Errors name the file and dataset.
 */
@TRANSFORMS.register({ name: 'LoadImageFromFile', schema: LoadImageFromFileArgs, description: 'Reads an image file (BGR uint8 HWC)' })
export class LoadImageFromFile implements Transform {
  readonly toFloat32: boolean;
  readonly colorType: 'color' | 'grayscale' | 'unchanged';
  readonly channelOrder: 'bgr' | 'rgb';
  readonly maxPixels: number;
  constructor(args: LoadImageFromFileArgs = {}) {
    this.maxPixels = args.max_pixels ?? DEFAULT_MAX_PIXELS;
    this.toFloat32 = args.to_float32 ?? false;
    this.colorType = args.color_type ?? 'color';
    this.channelOrder = args.channel_order ?? 'bgr';
  }
  async transform(results: Results): Promise<Results> {
    if (results.img) {
      // In-memory datasets (FER2013) hand the decoded image over directly.
      results.filename = results.filename ?? results.img_info?.filename;
      results.ori_filename = results.ori_filename ?? results.img_info?.filename;
      results.img_shape = [...results.img.shape];
      results.ori_shape = [...results.img.shape];
      return results;
    }
    const info = results.img_info;
    if (!info || typeof info.filename !== 'string') throw new Error('LoadImageFromFile: results.img_info.filename is missing');
    const filename = results.img_prefix ? path.join(results.img_prefix, info.filename) : info.filename;
    let img;
    try {
      img = await imread(filename, { colorType: this.colorType, channelOrder: this.channelOrder, maxPixels: this.maxPixels });
    } catch (e) {
      const ds = results.dataset ? ` (dataset ${results.dataset}${results.index !== undefined ? `, sample ${results.index}` : ''})` : '';
      throw new Error(`${(e as Error).message}${ds}`);
    }
    if (this.toFloat32) img = { data: Float32Array.from(img.data), shape: img.shape };
    results.filename = filename;
    results.ori_filename = info.filename;
    results.img = img;
    results.img_shape = [...img.shape];
    results.ori_shape = [...img.shape];
    return results;
  }
}
