import { tf } from '../../tf';
import { Module } from '../module';
import { defaultBias, kaimingUniform } from '../init';

/** torch.nn.Linear: y = x·Wᵀ + b with W [out, in], over the last axis of any-rank input. */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super();
    const shape = [outFeatures, inFeatures];
    this.weight = this.registerParameter('weight', kaimingUniform(shape));
    if (bias) this.bias = this.registerParameter('bias', defaultBias(shape, outFeatures));
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(`Linear: expected last axis ${this.inFeatures}, got [${x.shape}]`);
    }
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const x2 = x.reshape([-1, this.inFeatures]);
      let y = tf.matMul(x2, this.weight, false, true);
      if (this.bias) y = tf.add(y, this.bias);
      return y.reshape([...lead, this.outFeatures]);
    });
  }
}
