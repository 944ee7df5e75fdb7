import { tf } from '../../tf';
import { Module } from '../module';
import { prelu } from '../functional/prelu';

/** torch.nn.PReLU(num_parameters): one slope per channel (last axis), init 0.25. */
export class PReLU extends Module {
  readonly weight: tf.Variable;
  constructor(
    readonly numParameters = 1,
    init = 0.25,
  ) {
    super();
    this.weight = this.registerParameter('weight', tf.fill([numParameters], init));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return prelu(x, this.weight);
  }
}

export class ReLU extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.relu(x);
  }
}

export class Sigmoid extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return tf.sigmoid(x);
  }
}

/**
 * Exact-erf GELU, 0.5·x·(1 + erf(x/√2)) (torch nn.GELU default). tfjs' Erf
 * kernel (cpu and wasm) uses Abramowitz-Stegun 7.1.26 (|error| < 1.5e-7); a
 * backend without an Erf kernel gets the same formula composed from basic ops.
 */
export function gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const z = tf.mul(x, Math.SQRT1_2);
    const e = tf.getKernel('Erf', tf.getBackend()) ? tf.erf(z) : erfComposite(z);
    return tf.mul(tf.mul(x, 0.5), tf.add(e, 1));
  });
}

/** Abramowitz-Stegun 7.1.26 from differentiable primitives. */
export function erfComposite(z: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const s = tf.sign(z);
    const a = tf.abs(z);
    const t = tf.div(1, tf.add(tf.mul(a, 0.3275911), 1));
    let poly = tf.mul(t, 1.061405429);
    for (const c of [-1.453152027, 1.421413741, -0.284496736, 0.254829592]) poly = tf.mul(tf.add(poly, c), t);
    return tf.mul(s, tf.sub(1, tf.mul(poly, tf.exp(tf.neg(tf.square(a))))));
  });
}

export class GELU extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return gelu(x);
  }
}
