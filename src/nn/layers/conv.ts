import { tf } from '../../tf';
import { Module } from '../module';
import { defaultBias, kaimingUniform } from '../init';
import { subsample } from './pooling';
import { DerivedCache, useFastPath } from '../fast-inference';
import type { BatchNorm2d } from './norm';
import type { PReLU } from './activation';

export interface Conv2dArgs {
  inChannels: number;
  outChannels: number;
  kernelSize: number | [number, number];
  stride?: number;
  padding?: number;
  groups?: number;
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
    const alpha = prelu && prelu.numParameters === this.outChannels ? prelu.weight : undefined;
    const args = {
      x: x4,
      filter: filter as tf.Tensor4D,
      strides: this.stride,
      pad: this.padding,
      bias,
      activation: alpha ? ('prelu' as const) : ('linear' as const),
      preluActivationWeights: alpha,
    };
    const y = depthwise ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args);
    return prelu && !alpha ? prelu.forward(y) : y;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (this.canFuse()) return this.forwardFused(x);
    return tf.tidy(() => {
      const x4 = this.checkInput(x);
      const [kh, kw] = this.kernelSize;
      let y: tf.Tensor4D;
      if (kh === 1 && kw === 1 && this.groups === 1) {
        const xp = this.padding ? tf.pad(x4, [[0, 0], [this.padding, this.padding], [this.padding, this.padding], [0, 0]]) : x4;
        const xs = subsample(xp, this.stride);
        const [b, h, w] = xs.shape;
        const w2 = this.weight.reshape([this.outChannels, this.inChannels]);
        y = tf.matMul(xs.reshape([b * h * w, this.inChannels]), w2, false, true).reshape([b, h, w, this.outChannels]);
      } else if (this.groups === 1) {
        y = conv2dTapGrad(x4, this.weight as tf.Tensor4D, this.stride, this.padding);
      } else if (this.groups === this.inChannels) {
        // depthwise: torch [in*mult, 1, kh, kw] -> tfjs [kh, kw, in, mult]
        const mult = this.outChannels / this.inChannels;
        const filter = tf.transpose(this.weight.reshape([this.inChannels, mult, kh, kw]), [2, 3, 0, 1]) as tf.Tensor4D;
        y = tf.depthwiseConv2d(x4, filter, this.stride, this.padding, 'NHWC');
      } else {
        const xs = tf.split(x4, this.groups, 3) as tf.Tensor4D[];
        const ws = tf.split(this.weight as tf.Tensor, this.groups, 0);
        y = tf.concat(
          xs.map((xi, g) => tf.conv2d(xi, tf.transpose(ws[g], [2, 3, 1, 0]) as tf.Tensor4D, this.stride, this.padding, 'NHWC')),
          3,
        ) as tf.Tensor4D;
      }
      return this.bias ? tf.add(y, this.bias) : y;
    });
  }
}

/**
 * conv2d(x NHWC, w torch-layout [out,in,kh,kw]) with a hand-written gradient:
 * dW is itself a (dilated) forward convolution and dx is Conv2DBackpropInput. The stock cpu Conv2DBackpropFilter is element-wise and
 * about 100× slower than this, and stock wasm has none at all, so this makes
 * training run (and run fast) on every backend with the same numbers.
 */
export function conv2dTapGrad(x: tf.Tensor4D, w: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  const op = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, wi, save] = inputs as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    // the HWIO filter is made once per forward and reused by the input gradient
    const filter = tf.transpose(wi, [2, 3, 1, 0]) as tf.Tensor4D;
    const value = tf.conv2d(xi as tf.Tensor4D, filter, stride, pad, 'NHWC');
    save([xi, filter]);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => {
        const [xs, f] = saved as [tf.Tensor4D, tf.Tensor4D];
        const [kh, kw, cin, cout] = f.shape;
        const dx = tf.conv2dTranspose(dy as tf.Tensor4D, f, xs.shape, stride, pad);
        const xp = pad ? tf.pad(xs, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : xs;
        // dW[o,c,di,dj] = Σ_{b,i,j} xp[b, i·s+di, j·s+dj, c]·dy[b,i,j,o]: a stride-1 convolution of
        // xp (batch and channels swapped) with dy as the filter, dilated by the stride
        const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [cin, Hp, Wp, b]
        const dyf = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [ho, wo, b, cout]
        let g = tf.conv2d(xt, dyf, 1, 'valid', 'NHWC', stride); // [cin, >=kh, >=kw, cout]
        if (g.shape[1] !== kh || g.shape[2] !== kw) g = tf.slice(g, [0, 0, 0, 0], [cin, kh, kw, cout]);
        const dw = tf.transpose(g, [3, 0, 1, 2]);
        return [dx, dw];
      },
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return op(x, w) as tf.Tensor4D;
}
