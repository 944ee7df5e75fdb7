import { tf } from '../../tf';
import { Module } from '../module';

/**
 * x[:, ::s, ::s, :] (NHWC) with a gradient on every backend (tfjs has no
 * StridedSlice gradient): a 1×1 max pool with stride s selects exactly those
 * pixels, and MaxPool/MaxPoolGrad exist on cpu and wasm.
 */
export function subsample(x: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return x;
  return tf.maxPool(x, 1, s, 'valid');
}

/** torch.nn.MaxPool2d (no padding, no dilation) on NHWC input. kernel 1 is pure subsampling. */
export class MaxPool2d extends Module {
  constructor(
    readonly kernelSize: number,
    readonly stride: number = kernelSize,
  ) {
    super();
  }
  forward(x: tf.Tensor): tf.Tensor {
    if (this.kernelSize === 1) return subsample(x as tf.Tensor4D, this.stride);
    return tf.maxPool(x as tf.Tensor4D, this.kernelSize, this.stride, 'valid');
  }
}

/** torch.nn.AdaptiveAvgPool2d(1): mean over H and W, keeping [B,1,1,C]. */
export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: number = 1) {
    super();
    if (outputSize !== 1) throw new Error('AdaptiveAvgPool2d: only output size 1 is implemented');
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.mean(x, [1, 2], true);
  }
}
