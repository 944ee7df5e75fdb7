/** Turns a small uint8 HWC crop into the float RGB [1, H, W, 3] input of a face model. */
import { tf } from '../../tf';
import type { ImageArray } from '../types';
import { hwc, requireU8 } from '../image/image';

/** Channel order of the pixels handed to the detector. */
export type FaceChannelOrder = 'rgb' | 'bgr';

/** `(v * scale + offset)` per channel, RGB order, grey or BGR input converted. */
export function modelInput(img: ImageArray, order: FaceChannelOrder, scale: number, offset: number): tf.Tensor4D {
  const { h, w, c } = hwc(img);
  const src = requireU8(img, 'face detector');
  const out = new Float32Array(h * w * 3);
  for (let i = 0, o = 0; i < h * w; i++, o += 3) {
    const p = i * c;
    const r = c === 1 ? src[p] : order === 'bgr' ? src[p + 2] : src[p];
    const g = c === 1 ? src[p] : src[p + 1];
    const b = c === 1 ? src[p] : order === 'bgr' ? src[p] : src[p + 2];
    out[o] = r * scale + offset;
    out[o + 1] = g * scale + offset;
    out[o + 2] = b * scale + offset;
  }
  return tf.tensor4d(out, [1, h, w, 3]);
}
