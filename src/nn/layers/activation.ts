import { tf } from '../../tf';
import { Module } from '../module';
import { prelu } from '../functional/prelu';
import { geluExact } from '../functional/norm';

/** Arguments of {@link PReLU} (torch.nn.PReLU's, camel-cased). */
export interface PReLUArgs {
  /** Slopes: 1 (shared) or one per channel (default 1). */
  numParameters?: number;
  /** Initial slope (default 0.25). */
  init?: number;
}

/** torch.nn.PReLU(num_parameters): one slope per channel (last axis), init 0.25. */
export class PReLU extends Module {
  readonly numParameters: number;
  readonly weight: tf.Variable;
  constructor(args: PReLUArgs = {}) {
    super();
    this.numParameters = args.numParameters ?? 1;
    this.weight = this.registerParameter('weight', tf.fill([this.numParameters], args.init ?? 0.25));
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
  return geluExact(x, backendErf());
}

/** The backend's Erf kernel where it has one, else {@link erfComposite}. */
export function backendErf(): (z: tf.Tensor) => tf.Tensor {
  return tf.getKernel('Erf', tf.getBackend()) ? tf.erf : erfComposite;
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
