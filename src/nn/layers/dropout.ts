import { tf } from '../../tf';
import { Module } from '../module';

/** torch.nn.Dropout: active only in training with p > 0 (inverted scaling). */
export class Dropout extends Module {
  constructor(readonly p = 0.5) {
    super();
    if (p < 0 || p > 1) throw new Error(`Dropout: p must be in [0, 1], got ${p}`);
  }
  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x;
    return tf.dropout(x, this.p);
  }
}

/** timm DropPath (stochastic depth): drops whole samples of a residual branch in training. */
export class DropPath extends Module {
  constructor(readonly p = 0) {
    super();
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
