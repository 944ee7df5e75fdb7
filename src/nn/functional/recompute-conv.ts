/**
 * A convolution whose input is a cheap elementwise function of the tensor
 * before it (IR-50's `BatchNorm → conv` and `PReLU → conv`), keeping only
 * that earlier tensor for the backward: the conv input is recomputed there
 * instead of being held from the forward. The earlier tensor is kept anyway
 * (the BatchNorm's or the PReLU's own gradient needs it), so each use saves
 * one activation of the conv input's size. The weight comes in torch layout
 * [out, in, kh, kw] and its HWIO copy lives only while a conv runs (the
 * backward makes its own), so no per-step weight copy waits for the
 * backward either. Same numbers as the separate ops.
 */
import { tf } from '../../tf';
import { conv2dGrads, convPad } from './conv';
import { batchNormSteps, type BatchStats } from './norm';
import { preluGrads, preluValue } from './prelu';

type Grad = Parameters<typeof tf.customGrad>[0];

const toHwio = (w: tf.Tensor): tf.Tensor4D => tf.transpose(w, [2, 3, 1, 0]) as tf.Tensor4D;

/** conv2d(x NHWC, weight in torch layout); the HWIO copy is freed when it returns. */
function convTorch(x: tf.Tensor4D, weight: tf.Tensor, stride: number, pad: number): tf.Tensor4D {
  return tf.tidy(() => tf.conv2d(x, toHwio(weight), stride, convPad(pad), 'NHWC'));
}

/** dx and dWeight (torch layout) of y = conv2d(input, weight). */
function convTorchGrads(input: tf.Tensor4D, weight: tf.Tensor, dy: tf.Tensor4D, stride: number, pad: number): [tf.Tensor4D, tf.Tensor] {
  return tf.tidy(() => {
    const [dx, dF] = conv2dGrads(input, toHwio(weight), dy, stride, pad);
    return [dx, tf.transpose(dF, [3, 2, 0, 1])];
  });
}

/**
 * conv2d(BatchNorm(x), weight [out, in, kh, kw]) with training-mode batch
 * statistics over N, H, W (`onStats` receives them, as in `batchNormTrain`).
 */
export function batchNormConv2d(x: tf.Tensor4D, gamma: tf.Tensor, beta: tf.Tensor, eps: number, weight: tf.Tensor4D, stride: number, pad: number, onStats?: (s: BatchStats) => void): tf.Tensor4D {
  const steps = batchNormSteps(x, eps);
  const op = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, g, b, f, save] = inputs as [tf.Tensor4D, tf.Tensor, tf.Tensor, tf.Tensor4D, tf.GradSaveFunc];
    const { y, stats } = steps.forward(xi, g, b, onStats);
    const value = convTorch(y as tf.Tensor4D, f, stride, pad);
    y.dispose();
    save([xi, g, b, f, ...stats]);
    return {
      value,
      // the gradient runs outside any tidy scope (tfjs customGrad): free its temporaries here
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, gs, bs, fs, ...st] = saved;
          const bn = steps.output(xs, gs, bs, st) as tf.Tensor4D;
          const [dBn, dW] = convTorchGrads(bn, fs, dy, stride, pad);
          bn.dispose();
          return [...steps.grad(dBn, xs, gs, st), dW];
        }),
    };
  }) as Grad);
  return op(x, gamma, beta, weight) as tf.Tensor4D;
}

/** conv2d(PReLU(x, alpha), weight [out, in, kh, kw]), alpha per channel. */
export function preluConv2d(x: tf.Tensor4D, alpha: tf.Tensor, weight: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  const op = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, a, f, save] = inputs as [tf.Tensor4D, tf.Tensor, tf.Tensor4D, tf.GradSaveFunc];
    const value = tf.tidy(() => convTorch(preluValue(xi, a) as tf.Tensor4D, f, stride, pad));
    save([xi, a, f]);
    return {
      value,
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, as, fs] = saved;
          const p = preluValue(xs, as) as tf.Tensor4D;
          const [dp, dW] = convTorchGrads(p, fs, dy, stride, pad);
          p.dispose();
          const [dx, da] = preluGrads(dp, xs, as);
          return [dx, da, dW];
        }),
    };
  }) as Grad);
  return op(x, alpha, weight) as tf.Tensor4D;
}

/**
 * PReLU(BatchNorm(conv2d(x, weight [out, in, kh, kw]))) with training-mode
 * batch statistics (`onStats` as in {@link batchNormConv2d}), keeping only
 * the conv input x: the conv output and the BatchNorm output are recomputed
 * in the backward. It pays for a stem on the image, whose input is a small
 * fraction of its output and cheap to convolve again (IR-50's input layer:
 * 3 channels in, two 64-channel activations at full resolution not kept).
 */
export function convBatchNormPrelu(x: tf.Tensor4D, weight: tf.Tensor4D, stride: number, pad: number, gamma: tf.Tensor, beta: tf.Tensor, eps: number, alpha: tf.Tensor, onStats?: (s: BatchStats) => void): tf.Tensor4D {
  const op = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, f, g, b, a, save] = inputs as [tf.Tensor4D, tf.Tensor4D, tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const z = convTorch(xi, f, stride, pad);
    const steps = batchNormSteps(z, eps);
    const { y, stats } = steps.forward(z, g, b, onStats);
    z.dispose();
    const value = tf.tidy(() => preluValue(y, a));
    y.dispose();
    save([xi, f, g, b, a, ...stats]);
    return {
      value,
      // the gradient runs outside any tidy scope (tfjs customGrad): free its temporaries here
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, fs, gs, bs, as, ...st] = saved;
          const zs = convTorch(xs as tf.Tensor4D, fs, stride, pad);
          const bn = steps.output(zs, gs, bs, st);
          const [dBn, da] = preluGrads(dy, bn, as);
          bn.dispose();
          const [dz, dg, db] = steps.grad(dBn, zs, gs, st);
          const [dx, dW] = convTorchGrads(xs as tf.Tensor4D, fs, dz as tf.Tensor4D, stride, pad);
          return [dx, dW, dg, db, da];
        }),
    };
  }) as Grad);
  return op(x, weight, gamma, beta, alpha) as tf.Tensor4D;
}
