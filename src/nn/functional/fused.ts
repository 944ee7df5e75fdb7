/**
 * Inference helpers that use the backends' fused kernels (wasm/tensorflow run
 * conv + bias + activation and matmul + bias in one kernel) and fold an eval
 * BatchNorm into the preceding conv. Pure functions of tensors: the model
 * code decides when to use them (eval mode, frozen statistics).
 */
import { tf } from '../../tf';
import { convPad } from './conv';

/** Eval-mode BatchNorm parameters (torch names: weight, bias, running_mean, running_var). */
export interface BatchNormParams {
  weight: tf.Tensor1D | tf.Tensor;
  bias: tf.Tensor1D | tf.Tensor;
  runningMean: tf.Tensor1D | tf.Tensor;
  runningVar: tf.Tensor1D | tf.Tensor;
  eps: number;
}

/** Layout of a conv weight: torch `[out,in,kh,kw]` or tfjs `[kh,kw,in,out]`. */
export type ConvWeightLayout = 'torch' | 'tf';

export interface FoldBatchNormArgs {
  /** Layout of `convWeight` and of the returned weight. Default 'torch'. */
  layout?: ConvWeightLayout;
  /** The conv's own bias, when it has one. */
  convBias?: tf.Tensor1D | tf.Tensor;
}

/**
 * Folds `bn(conv(x, w) + b)` into `conv(x, w') + b'` (exact in eval mode):
 * `s = gamma / sqrt(var + eps)`, `w' = w * s` per output channel,
 * `b' = (b - mean) * s + beta`. Returns new tensors (the caller owns them).
 */
export function foldBatchNorm(
  convWeight: tf.Tensor,
  bn: BatchNormParams,
  args: FoldBatchNormArgs = {},
): { weight: tf.Tensor; bias: tf.Tensor1D } {
  const layout = args.layout ?? 'torch';
  if (convWeight.rank !== 4) throw new Error(`foldBatchNorm: conv weight must be rank 4, got [${convWeight.shape}]`);
  const out = (layout === 'torch' ? convWeight.shape[0] : convWeight.shape[3]) as number;
  for (const [k, v] of Object.entries({ weight: bn.weight, bias: bn.bias, running_mean: bn.runningMean, running_var: bn.runningVar })) {
    if (v.size !== out) throw new Error(`foldBatchNorm: bn.${k} has ${v.size} values, the conv has ${out} output channels`);
  }
  return tf.tidy(() => {
    const scale = tf.mul(bn.weight, tf.rsqrt(tf.add(bn.runningVar, bn.eps))) as tf.Tensor1D;
    const shaped = layout === 'torch' ? tf.reshape(scale, [out, 1, 1, 1]) : scale;
    const weight = tf.mul(convWeight, shaped);
    const b0 = args.convBias ?? tf.zerosLike(bn.runningMean);
    const bias = tf.add(tf.mul(tf.sub(b0, bn.runningMean), scale), bn.bias) as tf.Tensor1D;
    return { weight, bias };
  });
}

/** torch `[out,in,kh,kw]` -> tfjs `[kh,kw,in,out]`. */
export function torchToTfConvWeight(w: tf.Tensor): tf.Tensor4D {
  return tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;
}

export interface ConvBiasPreluArgs {
  /** tfjs layout `[kh,kw,in,out]` (use {@link torchToTfConvWeight}). */
  filter: tf.Tensor4D;
  bias?: tf.Tensor1D | tf.Tensor;
  /** PReLU slopes `[out]`; omit for no activation. */
  alpha?: tf.Tensor1D | tf.Tensor;
  stride?: number;
  pad?: number | 'same' | 'valid';
}

/** NHWC conv2d + bias + PReLU in one fused kernel where the backend has one. */
export function conv2dBiasPrelu(x: tf.Tensor4D, a: ConvBiasPreluArgs): tf.Tensor4D {
  return tf.fused.conv2d({
    x,
    filter: a.filter,
    strides: a.stride ?? 1,
    pad: typeof a.pad === 'number' ? convPad(a.pad) : (a.pad ?? 'valid'),
    bias: a.bias,
    activation: a.alpha ? 'prelu' : 'linear',
    preluActivationWeights: a.alpha,
  });
}

/**
 * `x @ weight^T + bias` for torch Linear weights `[out,in]` and any leading
 * dims of `x` (flattened to 2-D for the fused kernel, no extra copy).
 */
export function linear(x: tf.Tensor, weight: tf.Tensor2D | tf.Tensor, bias?: tf.Tensor1D | tf.Tensor, activation?: 'relu'): tf.Tensor {
  const inF = x.shape[x.rank - 1];
  if (weight.rank !== 2 || weight.shape[1] !== inF) {
    throw new Error(`linear: weight [${weight.shape}] does not match input features ${inF}`);
  }
  return tf.tidy(() => {
    const x2 = x.rank === 2 ? (x as tf.Tensor2D) : tf.reshape(x, [-1, inF]) as tf.Tensor2D;
    const y = tf.fused.matMul({ a: x2, b: weight as tf.Tensor2D, transposeB: true, bias, activation: activation ?? 'linear' });
    return x.rank === 2 ? y : tf.reshape(y, [...x.shape.slice(0, -1), weight.shape[0]]);
  });
}
