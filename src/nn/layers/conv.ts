import { tf } from '../../tf';
import { Module } from '../module';
import { defaultBias, kaimingUniform } from '../init';
import { subsample } from './pooling';
import { conv2d, convPad, depthwiseConv2d, padSpatial } from '../functional/conv';
import { batchNormConv2d, convBatchNormPrelu, preluConv2d } from '../functional/recompute-conv';
import { hasNativePrelu } from '../functional/prelu';
import { DerivedCache, useFastPath } from '../fast-inference';
import type { BatchNorm2d } from './norm';
import type { PReLU } from './activation';

/** Arguments of {@link Conv2d} (torch.nn.Conv2d's, camel-cased). */
export interface Conv2dArgs {
  /** Input channels (the last axis of NHWC input). */
  inChannels: number;
  /** Output channels. */
  outChannels: number;
  /** Window side, or [height, width]. */
  kernelSize: number | [number, number];
  /** Step in both spatial axes (default 1). */
  stride?: number;
  /** Zero padding on every side (default 0). */
  padding?: number;
  /** Channel groups; inChannels and outChannels must be divisible by it (default 1). */
  groups?: number;
  /** Adds a learned bias (default true). */
  bias?: boolean;
}

/**
 * torch.nn.Conv2d on NHWC activations. `weight` keeps PyTorch's layout
 * [out, in/groups, kh, kw] (so checkpoints load as-is) and is transposed to
 * tfjs' HWIO inside the op. 1×1 convolutions run as a matmul (exact same
 * arithmetic, and it needs no Conv2DBackpropFilter kernel to train).
 *
 * Eval mode without a gradient tape (see `fast-inference.ts`): the HWIO
 * filter is cached (rebuilt when the weight changes) and the conv runs as one
 * fused conv + bias kernel; `forwardFused` also folds a following eval
 * BatchNorm and applies a following PReLU in the same kernel.
 */
export class Conv2d extends Module {
  readonly inChannels: number;
  readonly outChannels: number;
  readonly kernelSize: [number, number];
  readonly stride: number;
  readonly padding: number;
  readonly groups: number;
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  private readonly derived = new DerivedCache();

  constructor(a: Conv2dArgs) {
    super();
    this.inChannels = a.inChannels;
    this.outChannels = a.outChannels;
    this.kernelSize = typeof a.kernelSize === 'number' ? [a.kernelSize, a.kernelSize] : a.kernelSize;
    this.stride = a.stride ?? 1;
    this.padding = a.padding ?? 0;
    this.groups = a.groups ?? 1;
    if (a.inChannels % this.groups || a.outChannels % this.groups) {
      throw new Error(`Conv2d: in (${a.inChannels}) and out (${a.outChannels}) channels must be divisible by groups (${this.groups})`);
    }
    const shape = [a.outChannels, a.inChannels / this.groups, ...this.kernelSize];
    this.weight = this.registerParameter('weight', kaimingUniform(shape));
    if (a.bias ?? true) this.bias = this.registerParameter('bias', defaultBias(shape, a.outChannels));
  }

  protected override releaseDerived(): void {
    this.derived.clear();
  }

  /** Tensors held by the inference cache (for tests). */
  get cachedTensors(): number {
    return this.derived.size;
  }

  private checkInput(x: tf.Tensor): tf.Tensor4D {
    if (x.rank !== 4 || x.shape[3] !== this.inChannels) {
      throw new Error(`Conv2d: expected NHWC input with ${this.inChannels} channels, got [${x.shape}]`);
    }
    return x as tf.Tensor4D;
  }

  /** Whether `forwardFused` may fold/fuse (eval mode, no tape, a plain or depthwise conv). */
  canFuse(): boolean {
    return useFastPath(this.training) && (this.groups === 1 || this.groups === this.inChannels);
  }

  /**
   * Eval-mode `prelu(bn(conv(x)))` (bn and prelu optional) as one fused conv:
   * BN folded into the cached filter and bias (exact up to float32 rounding).
   * Callers check `canFuse()` and that `bn`/`prelu` are in eval mode.
   */
  forwardFused(x: tf.Tensor, bn?: BatchNorm2d, prelu?: PReLU): tf.Tensor {
    const x4 = this.checkInput(x);
    if (bn && bn.numFeatures !== this.outChannels) throw new Error(`Conv2d: cannot fold BatchNorm2d(${bn.numFeatures}) into a conv with ${this.outChannels} outputs`);
    const depthwise = this.groups !== 1;
    const [kh, kw] = this.kernelSize;
    const sources = [this.weight, this.bias, bn?.weight, bn?.bias, bn?.runningMean, bn?.runningVar];
    const [filter, folded] = this.derived.get(bn ? 'filter+bn' : 'filter', bn ? sources : [this.weight], () => {
      // torch [out, in, kh, kw] scaled per output channel, then HWIO (depthwise: [kh, kw, in, mult])
      let w: tf.Tensor = this.weight;
      let b: tf.Tensor | undefined;
      if (bn) {
        const scale = tf.mul(bn.weight, tf.rsqrt(tf.add(bn.runningVar, bn.eps)));
        w = tf.mul(w, tf.reshape(scale, [this.outChannels, 1, 1, 1]));
        b = tf.add(tf.mul(this.bias ? tf.sub(this.bias, bn.runningMean) : tf.neg(bn.runningMean), scale), bn.bias);
      }
      const f = depthwise
        ? tf.transpose(tf.reshape(w, [this.inChannels, this.outChannels / this.inChannels, kh, kw]), [2, 3, 0, 1])
        : tf.transpose(w, [2, 3, 1, 0]);
      // only new tensors are cached (never a variable itself: the cache disposes what it holds)
      return b ? [f, b] : [f];
    });
    const bias = bn ? folded : this.bias;
    // fused as the conv's activation only where the backend runs PReLU natively
    const alpha = prelu && prelu.numParameters === this.outChannels && hasNativePrelu() ? prelu.weight : undefined;
    const args = {
      filter: filter as tf.Tensor4D,
      strides: this.stride,
      bias,
      activation: alpha ? ('prelu' as const) : ('linear' as const),
      preluActivationWeights: alpha,
    };
    // depthwise: the fused op takes no explicit padding, so the input is padded first
    const y = depthwise
      ? tf.fused.depthwiseConv2d({ ...args, x: padSpatial(x4, this.padding), pad: 'valid' })
      : tf.fused.conv2d({ ...args, x: x4, pad: convPad(this.padding) });
    return prelu && !alpha ? prelu.forward(y) : y;
  }

  /**
   * Training: whether {@link forwardAfter} can take this conv's input as a
   * function of the tensor before it (a plain k×k conv; 1×1 ones run as a matmul).
   */
  canRecomputeInput(): boolean {
    const [kh, kw] = this.kernelSize;
    return this.training && this.groups === 1 && (kh !== 1 || kw !== 1);
  }

  /**
   * Training: `this(pre(x))` for a training-mode BatchNorm2d or a PReLU `pre`
   * (callers check {@link canRecomputeInput}), keeping only x for the
   * backward: pre's output is recomputed there (`functional/recompute-conv.ts`).
   */
  forwardAfter(x: tf.Tensor, pre: BatchNorm2d | PReLU): tf.Tensor {
    return tf.tidy(() => {
      const weight = this.weight as tf.Tensor as tf.Tensor4D;
      let y: tf.Tensor4D;
      // BatchNorm2d and PReLU keep the channel count: x must have this conv's input channels
      const x4 = this.checkInput(x);
      if ('trackBatchStats' in pre) {
        pre.checkTrainInput(x4);
        y = batchNormConv2d(x4, pre.weight, pre.bias, pre.eps, weight, this.stride, this.padding, (stats) => pre.trackBatchStats(stats));
      } else {
        y = preluConv2d(x4, pre.weight, weight, this.stride, this.padding);
      }
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }

  /**
   * Training: whether {@link forwardThrough} pays, keeping this conv's input
   * instead of its output: a plain conv without a bias and with at most a
   * quarter as many input channels as outputs (a stem on the image), cheap to
   * keep and to run again.
   */
  canRecomputeOutput(): boolean {
    return this.training && this.groups === 1 && !this.bias && this.inChannels * 4 <= this.outChannels;
  }

  /**
   * Training: `prelu(bn(this(x)))` for a training-mode BatchNorm2d and a PReLU
   * over this conv's outputs (callers check {@link canRecomputeOutput}),
   * keeping only x for the backward (`functional/recompute-conv.ts`).
   */
  forwardThrough(x: tf.Tensor, bn: BatchNorm2d, prelu: PReLU): tf.Tensor {
    return tf.tidy(() => {
      const x4 = this.checkInput(x);
      if (this.bias) throw new Error('Conv2d.forwardThrough: a conv with a bias before BatchNorm is not supported (the bias cancels in the normalisation; build it with bias: false)');
      if (bn.numFeatures !== this.outChannels) throw new Error(`Conv2d: BatchNorm2d(${bn.numFeatures}) after a conv with ${this.outChannels} outputs`);
      const weight = this.weight as tf.Tensor as tf.Tensor4D;
      return convBatchNormPrelu(x4, weight, this.stride, this.padding, bn.weight, bn.bias, bn.eps, prelu.weight, (stats) => bn.trackBatchStats(stats));
    });
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (this.canFuse()) return this.forwardFused(x);
    return tf.tidy(() => {
      const x4 = this.checkInput(x);
      const [kh, kw] = this.kernelSize;
      let y: tf.Tensor4D;
      if (kh === 1 && kw === 1 && this.groups === 1) {
        const xs = subsample(padSpatial(x4, this.padding), this.stride);
        const [b, h, w] = xs.shape;
        const w2 = this.weight.reshape([this.outChannels, this.inChannels]);
        y = tf.matMul(xs.reshape([b * h * w, this.inChannels]), w2, false, true).reshape([b, h, w, this.outChannels]);
      } else if (this.groups === 1) {
        y = conv2dTapGrad(x4, this.weight as tf.Tensor4D, this.stride, this.padding);
      } else if (this.groups === this.inChannels) {
        // depthwise: torch [in*mult, 1, kh, kw] -> tfjs [kh, kw, in, mult]
        const mult = this.outChannels / this.inChannels;
        const filter = tf.transpose(this.weight.reshape([this.inChannels, mult, kh, kw]), [2, 3, 0, 1]) as tf.Tensor4D;
        y = depthwiseConv2d(x4, filter, this.stride, this.padding);
      } else {
        const xs = tf.split(x4, this.groups, 3) as tf.Tensor4D[];
        const ws = tf.split(this.weight as tf.Tensor, this.groups, 0);
        y = tf.concat(xs.map((xi, g) => conv2dTapGrad(xi, ws[g] as tf.Tensor4D, this.stride, this.padding)), 3) as tf.Tensor4D;
      }
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }
}

/**
 * conv2d(x NHWC, w torch-layout [out,in,kh,kw]) on every backend, gradient
 * included (see `functional/conv.ts`).
 */
export function conv2dTapGrad(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  return conv2d(x, tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D, stride, pad);
}
