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

/** Arguments of {@link MaxPool2d} (torch.nn.MaxPool2d's, camel-cased). */
export interface MaxPool2dArgs {
  /** Square window side. */
  kernelSize: number;
  /** Step between windows (default kernelSize). */
  stride?: number;
}

/** torch.nn.MaxPool2d (no padding, no dilation) on NHWC input. kernel 1 is pure subsampling. */
export class MaxPool2d extends Module {
  readonly kernelSize: number;
  readonly stride: number;
  constructor(args: MaxPool2dArgs) {
    super();
    this.kernelSize = args.kernelSize;
    this.stride = args.stride ?? args.kernelSize;
  }
  forward(x: tf.Tensor): tf.Tensor {
    if (this.kernelSize === 1) return subsample(x as tf.Tensor4D, this.stride);
    return tf.maxPool(x as tf.Tensor4D, this.kernelSize, this.stride, 'valid');
  }
}

/** Arguments of {@link AdaptiveAvgPool2d} (torch.nn.AdaptiveAvgPool2d's, camel-cased). */
export interface AdaptiveAvgPool2dArgs {
  /** Output side; only 1 is implemented (default 1). */
  outputSize?: number;
}

/** torch.nn.AdaptiveAvgPool2d(1): mean over H and W, keeping [B,1,1,C]. */
export class AdaptiveAvgPool2d extends Module {
  readonly outputSize: number;
  constructor(args: AdaptiveAvgPool2dArgs = {}) {
    super();
    this.outputSize = args.outputSize ?? 1;
    if (this.outputSize !== 1) throw new Error('AdaptiveAvgPool2d: only output size 1 is implemented');
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.mean(x, [1, 2], true);
  }
}
