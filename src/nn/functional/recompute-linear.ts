/**
 * A linear layer whose input is a cheap function of the tensor before it
 * (a ViT's `LayerNorm → Linear` and `GELU → Linear`), keeping only that
 * earlier tensor for the backward, which the LayerNorm's or GELU's own
 * gradient keeps anyway: the linear input is recomputed there instead of
 * being held from the forward (one [tokens, width] activation per use, a
 * [tokens, 3·width] one after GELU). Same numbers as the separate ops; the
 * bias is added by the caller.
 */
import { tf } from '../../tf';
import { geluCdf, geluGrad, geluValue, layerNormApply, layerNormForward, layerNormXhat, perRowGrad } from './norm';

type Grad = Parameters<typeof tf.customGrad>[0];

/** The function before the matmul: its value and its input gradients, from its input and parameters. */
interface Pre {
  /** pre(x) and the small tensors its backward needs besides x and the params. */
  value(x: tf.Tensor2D, params: tf.Tensor[]): { y: tf.Tensor2D; extra: tf.Tensor[] };
  /** pre(x) again, from what {@link value} returned in `extra`, and what of that work {@link grads} can use (`shared`). */
  recompute(x: tf.Tensor2D, params: tf.Tensor[], extra: tf.Tensor[]): { y: tf.Tensor2D; shared?: tf.Tensor[] };
  /** [dx, ...dParams] from dPre. */
  grads(dPre: tf.Tensor2D, x: tf.Tensor2D, params: tf.Tensor[], extra: tf.Tensor[], shared: tf.Tensor[]): tf.Tensor[];
}

/** pre(x2) @ weightᵀ for x2 [rows, in] and weight [out, in] (torch layout). */
function linearAfter(pre: Pre, x2: tf.Tensor2D, params: tf.Tensor[], weight: tf.Tensor): tf.Tensor2D {
  const np = params.length;
  const op = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const save = inputs[inputs.length - 1] as tf.GradSaveFunc;
    const [xi, ...rest] = inputs.slice(0, -1) as tf.Tensor[];
    const ps = rest.slice(0, np);
    const w = rest[np] as tf.Tensor2D;
    const [value, ...extra] = tf.tidy(() => {
      const { y, extra: e } = pre.value(xi as tf.Tensor2D, ps);
      return [tf.matMul(y, w, false, true), ...e];
    });
    save([xi, ...ps, w, ...extra]);
    return {
      value,
      // the gradient runs outside any tidy scope (tfjs customGrad): free its temporaries here
      gradFunc: (dy: tf.Tensor2D, saved: tf.Tensor[]) =>
        tf.tidy(() => {
          const xs = saved[0] as tf.Tensor2D;
          const pss = saved.slice(1, 1 + np);
          const ws = saved[1 + np] as tf.Tensor2D;
          const ex = saved.slice(2 + np);
          const { y: p, shared = [] } = pre.recompute(xs, pss, ex);
          const dW = tf.matMul(dy, p, true, false);
          p.dispose();
          const dp = tf.matMul(dy, ws) as tf.Tensor2D;
          return [...pre.grads(dp, xs, pss, ex, shared), dW];
        }),
    };
  }) as Grad);
  return op(x2, ...params, weight) as tf.Tensor2D;
}

/** LayerNorm(x2; gamma, beta, eps) @ weightᵀ, x2 [rows, in]; keeps x2 and the per-row statistics. */
export function layerNormLinear(x2: tf.Tensor2D, gamma: tf.Tensor, beta: tf.Tensor, eps: number, weight: tf.Tensor): tf.Tensor2D {
  const n = x2.shape[1];
  return linearAfter({
    value: (x, [g, b]) => {
      const { y, mean, invStd } = layerNormForward(x, g, b, eps);
      return { y: y as tf.Tensor2D, extra: [mean, invStd] };
    },
    // (x - μ)·σ⁻¹ once for both the recomputed LayerNorm and its gradient
    recompute: (x, [g, b], [m, inv]) => {
      const xhat = layerNormXhat(x, m, inv);
      return { y: layerNormApply(x, g, b, m, inv, xhat) as tf.Tensor2D, shared: [xhat] };
    },
    grads: (dp, x, [g], [m, inv], [xhat]) => perRowGrad(dp, x, g, m, inv, n, [1], [0], xhat),
  }, x2, [gamma, beta], weight);
}

/** GELU(x2) @ weightᵀ (exact erf GELU; `erf` as in `geluExact`), x2 [rows, in]; keeps x2. */
export function geluLinear(x2: tf.Tensor2D, weight: tf.Tensor, erf: (z: tf.Tensor) => tf.Tensor): tf.Tensor2D {
  return linearAfter({
    value: (x) => ({ y: geluValue(x, erf) as tf.Tensor2D, extra: [] }),
    // Φ(x) once for both the recomputed GELU and its gradient
    recompute: (x) => {
      const cdf = geluCdf(x, erf);
      return { y: geluValue(x, erf, cdf) as tf.Tensor2D, shared: [cdf] };
    },
    grads: (dp, x, _params, _extra, [cdf]) => [geluGrad(dp, x, erf, cdf)],
  }, x2, [], weight);
}
