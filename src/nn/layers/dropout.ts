import { tf } from '../../tf';
import { Module } from '../module';

/** Arguments of {@link Dropout} (torch.nn.Dropout's). */
export interface DropoutArgs {
  /** Probability that an element is zeroed, in [0, 1] (default 0.5). */
  p?: number;
}

/** torch.nn.Dropout: active only in training with p > 0 (inverted scaling). */
export class Dropout extends Module {
  readonly p: number;
  constructor(args: DropoutArgs = {}) {
    super();
    this.p = args.p ?? 0.5;
    if (this.p < 0 || this.p > 1) throw new Error(`Dropout: p must be in [0, 1], got ${this.p}`);
  }
  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x;
    return tf.dropout(x, this.p);
  }
}

/** Arguments of {@link DropPath} (timm's `drop_prob`). */
export interface DropPathArgs {
  /** Probability that a sample's residual branch is dropped (default 0). */
  p?: number;
}

/** timm DropPath (stochastic depth): drops whole samples of a residual branch in training. */
export class DropPath extends Module {
  readonly p: number;
  constructor(args: DropPathArgs = {}) {
    super();
    this.p = args.p ?? 0;
  }
  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x;
    return tf.tidy(() => {
      const keep = 1 - this.p;
      const shape = [x.shape[0], ...x.shape.slice(1).map(() => 1)];
      const mask = tf.floor(tf.add(tf.randomUniform(shape), keep));
      return tf.mul(tf.div(x, keep), mask);
    });
  }
}

export class Identity extends Module {
  forward(x: tf.Tensor): tf.Tensor {
    return x;
  }
}
