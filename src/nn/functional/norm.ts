/**
 * Training-mode normalisations and GELU with hand-written gradients.
 *
 * Composed from tfjs ops, BatchNorm keeps ~4 full-size tensors per layer on
 * the gradient tape (moments, the scaled input, ...), LayerNorm ~6 and GELU 5;
 * with APViT at batch 32 that alone is many GiB. Each function here keeps
 * only its input (plus per-channel or per-row statistics) and recomputes the
 * normalised values in the backward pass, with the textbook gradients:
 *
 *   x̂ = (x - μ)·σ⁻¹,  y = x̂·γ + β
 *   dβ = Σ dy,  dγ = Σ dy·x̂
 *   dx = σ⁻¹/N · (N·dx̂ - Σ dx̂ - x̂·Σ dx̂·x̂),  dx̂ = dy·γ
 *
 * (dγ, dβ summed over all but the last axis; the other sums over the N values
 * normalised together). Same numbers on every backend; on tfjs-node an NHWC
 * BatchNorm runs TensorFlow's own fused kernels (`native-batch-norm.ts`).
 */
import { tf } from '../../tf';
import { hasNativeBatchNorm, nativeBatchNormGrad, nativeBatchNormTrain, type NativeBatchNormSaved } from './native-batch-norm';

type Grad = Parameters<typeof tf.customGrad>[0];

/** Statistics of a training-mode BatchNorm batch, for the running averages. */
export interface BatchStats {
  mean: tf.Tensor;
  /** Biased variance (what the forward normalises with). */
  variance: tf.Tensor;
  /** Values per channel. */
  count: number;
}

/**
 * The steps of a training-mode BatchNorm over every axis but the last, kept
 * apart so that a caller can recompute the output in its own backward
 * (`recompute-conv.ts`): TensorFlow's fused kernels for NHWC input on
 * tfjs-node, the composed ops elsewhere. `stats` is what the backward needs
 * besides x and γ (the composed path: μ and σ⁻¹).
 */
export interface BatchNormSteps {
  /** y with the batch statistics; `onStats` gets the batch mean and biased variance. */
  forward(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, onStats?: (s: BatchStats) => void): { y: tf.Tensor; stats: tf.Tensor[] };
  /** y again, from the forward's `stats`. */
  output(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, stats: tf.Tensor[]): tf.Tensor;
  /** [dx, dγ, dβ] for the output gradient dy. */
  grad(dy: tf.Tensor, x: tf.Tensor, gamma: tf.Tensor, stats: tf.Tensor[]): tf.Tensor[];
}

/** The {@link BatchNormSteps} for `x` on the active backend. */
export function batchNormSteps(x: tf.Tensor, eps: number): BatchNormSteps {
  const c = x.shape[x.rank - 1];
  const count = x.size / c;
  const axes = [...Array(x.rank - 1).keys()];
  const report = (onStats: ((s: BatchStats) => void) | undefined, mean: tf.Tensor, variance: tf.Tensor) =>
    onStats?.({ mean: tf.reshape(mean, [c]), variance: tf.reshape(variance, [c]), count });
  if (hasNativeBatchNorm(x)) {
    return {
      forward: (xi, g, b, onStats) =>
        tf.tidy(() => {
          const { y, saved } = nativeBatchNormTrain(xi, g, b, eps);
          report(onStats, saved[0], saved[1]);
          return { y, stats: saved };
        }),
      output: (xi, g, b, [mean, variance]) => tf.tidy(() => batchNormApply(xi, g, b, mean, tf.rsqrt(tf.add(variance, eps)))),
      grad: (dy, xi, g, stats) => nativeBatchNormGrad(dy, xi, g, eps, stats as NativeBatchNormSaved),
    };
  }
  return {
    forward: (xi, g, b, onStats) =>
      tf.tidy(() => {
        const { mean, variance } = tf.moments(xi, axes, true);
        report(onStats, mean, variance);
        const inv = tf.rsqrt(tf.add(variance, eps));
        return { y: batchNormApply(xi, g, b, mean, inv), stats: [mean, inv] };
      }),
    output: (xi, g, b, [mean, inv]) => batchNormApply(xi, g, b, mean, inv),
    // the gradient runs outside any tidy scope (tfjs customGrad): free its temporaries here
    grad: (dy, xi, g, [mean, inv]) => tf.tidy(() => perChannelGrad(dy, xi, g, mean, inv, count, axes)),
  };
}

/** Per-channel statistics (BatchNorm): x·scale + (β - μ·scale) with scale = σ⁻¹·γ, two full-size ops. */
export function batchNormApply(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, mean: tf.Tensor, invStd: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const scale = tf.mul(invStd, gamma);
    return tf.add(tf.mul(x, scale), tf.sub(beta, tf.mul(mean, scale)));
  });
}

/**
 * The gradient when the statistics are per channel (BatchNorm: `axes` are all
 * but the last, like γ's): with xc = x - μ and the sums Σdy, Σdy·xc over
 * `axes`, dγ = σ⁻¹·Σdy·xc and
 *   dx = dy·a + xc·b + c,  a = γσ⁻¹,  b = -a·σ⁻¹·dγ/N,  c = -a·Σdy/N,
 * six full-size ops, each temporary freed as soon as it is used (the
 * backward of the first IR-50 layers holds a few activations, not ten).
 */
export function perChannelGrad(dy: tf.Tensor, xs: tf.Tensor, gs: tf.Tensor, m: tf.Tensor, inv: tf.Tensor, count: number, axes: number[]): tf.Tensor[] {
  const xc = tf.sub(xs, m);
  const dyxc = tf.mul(dy, xc);
  const dBeta = tf.sum(dy, axes);
  const dGamma = tf.mul(tf.sum(dyxc, axes), tf.reshape(inv, dBeta.shape));
  dyxc.dispose();
  const a = tf.mul(gs, tf.reshape(inv, gs.shape));
  const b = tf.div(tf.mul(tf.mul(a, tf.reshape(inv, gs.shape)), dGamma), -count);
  const c = tf.div(tf.mul(a, dBeta), -count);
  const dya = tf.mul(dy, a);
  const xcb = tf.mul(xc, b);
  xc.dispose();
  const sum = tf.add(dya, xcb);
  tf.dispose([dya, xcb]);
  return [tf.add(sum, c), dGamma, dBeta];
}

/**
 * The gradient when the statistics are per row (LayerNorm: `normAxes` is the
 * last axis, γ over it): dx = σ⁻¹·(dx̂ - Σdx̂/N - x̂·Σdx̂·x̂/N) with dx̂ = dy·γ,
 * each full-size temporary freed as soon as it is used. `givenXhat`, the
 * caller's (x - μ)·σ⁻¹, saves computing it again (the caller frees it).
 */
export function perRowGrad(dy: tf.Tensor, xs: tf.Tensor, gs: tf.Tensor, m: tf.Tensor, inv: tf.Tensor, count: number, normAxes: number[], paramAxes: number[], givenXhat?: tf.Tensor): tf.Tensor[] {
  const xhat = givenXhat ?? layerNormXhat(xs, m, inv);
  const dBeta = tf.sum(dy, paramAxes);
  let t = tf.mul(dy, xhat);
  const dGamma = tf.sum(t, paramAxes);
  t.dispose();
  const dxhat = tf.mul(dy, gs);
  const s1 = tf.div(tf.sum(dxhat, normAxes, true), count);
  t = tf.mul(dxhat, xhat);
  const s2 = tf.div(tf.sum(t, normAxes, true), count);
  t.dispose();
  const u = tf.mul(xhat, s2);
  if (!givenXhat) xhat.dispose();
  const v = tf.sub(dxhat, u);
  tf.dispose([dxhat, u]);
  const w = tf.sub(v, s1);
  v.dispose();
  const dx = tf.mul(w, inv);
  w.dispose();
  return [dx, dGamma, dBeta];
}

/**
 * y = (x - mean_c)·rsqrt(var_c + eps)·gamma_c + beta_c over the last (channel)
 * axis with batch statistics. `onStats` receives the batch mean and biased
 * variance (owned by the callee's tidy scope: copy what you keep).
 */
export function batchNormTrain(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number, onStats?: (s: BatchStats) => void): tf.Tensor {
  const steps = batchNormSteps(x, eps);
  const op = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, g, b, save] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const { y, stats } = steps.forward(xi, g, b, onStats);
    save([xi, g, ...stats]);
    return { value: y, gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => steps.grad(dy, saved[0], saved[1], saved.slice(2)) };
  }) as Grad);
  return op(x, gamma, beta) as tf.Tensor;
}

/** LayerNorm's output with its per-row mean and σ⁻¹ (the statistics its gradient needs). */
export function layerNormForward(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): { y: tf.Tensor; mean: tf.Tensor; invStd: tf.Tensor } {
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(x, x.rank - 1, true);
    const invStd = tf.rsqrt(tf.add(variance, eps));
    return { y: layerNormApply(x, gamma, beta, mean, invStd), mean, invStd };
  });
}

/** (x - μ)·σ⁻¹ with per-row statistics: LayerNorm's normalised input. */
export function layerNormXhat(x: tf.Tensor, mean: tf.Tensor, invStd: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.sub(x, mean), invStd));
}

/** Per-row statistics (LayerNorm): (x - μ)·σ⁻¹·γ + β; `xhat` is (x - μ)·σ⁻¹ where the caller has it already. */
export function layerNormApply(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, mean: tf.Tensor, invStd: tf.Tensor, xhat?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.add(tf.mul(xhat ?? layerNormXhat(x, mean, invStd), gamma), beta));
}

/**
 * torch LayerNorm over the last axis (biased variance): (x - μ)·σ⁻¹·γ + β with
 * per-row moments, keeping only x, γ and the per-row μ, σ⁻¹ for the gradient.
 */
export function layerNorm(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, eps: number): tf.Tensor {
  const normAxes = [x.rank - 1];
  const paramAxes = [...Array(x.rank - 1).keys()];
  const count = x.shape[x.rank - 1];
  const op = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, g, b, save] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    const { y: value, mean, invStd } = layerNormForward(xi, g, b, eps);
    save([xi, g, mean, invStd]);
    return {
      value,
      // the gradient runs outside any tidy scope (tfjs customGrad): free its temporaries here
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const [xs, gs, m, inv] = saved;
          return perRowGrad(dy, xs, gs, m, inv, count, normAxes, paramAxes);
        }),
    };
  }) as Grad);
  return op(x, gamma, beta) as tf.Tensor;
}

/**
 * Exact-erf GELU, 0.5·x·(1 + erf(x/√2)), keeping only x for the gradient
 * Φ(x) + x·φ(x). `erf` is the caller's erf (a backend may lack the kernel).
 */
export function geluExact(x: tf.Tensor, erf: (z: tf.Tensor) => tf.Tensor): tf.Tensor {
  const op = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, save] = inputs as [tf.Tensor, tf.GradSaveFunc];
    const value = geluValue(xi, erf);
    save([xi]);
    return {
      value,
      // the gradient runs outside any tidy scope (tfjs customGrad): free its temporaries here
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [geluGrad(dy, saved[0], erf)],
    };
  }) as Grad);
  return op(x) as tf.Tensor;
}

/** Φ(x) = 0.5·(1 + erf(x/√2)), GELU's gate. */
export function geluCdf(x: tf.Tensor, erf: (z: tf.Tensor) => tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.add(erf(tf.mul(x, Math.SQRT1_2)), 1), 0.5));
}

/** x·Φ(x); `cdf` is Φ(x) where the caller has it already. */
export function geluValue(x: tf.Tensor, erf: (z: tf.Tensor) => tf.Tensor, cdf?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, cdf ?? geluCdf(x, erf)));
}

/** dy·(Φ(x) + x·φ(x)), the gradient of {@link geluValue} at x; `cdf` is Φ(x) where the caller has it already. */
export function geluGrad(dy: tf.Tensor, x: tf.Tensor, erf: (z: tf.Tensor) => tf.Tensor, cdf?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const pdf = tf.mul(tf.exp(tf.mul(tf.square(x), -0.5)), 1 / Math.sqrt(2 * Math.PI));
    return tf.mul(dy, tf.add(cdf ?? geluCdf(x, erf), tf.mul(x, pdf)));
  });
}
