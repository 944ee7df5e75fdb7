import { tf } from '../../tf';
import { Module } from '../module';
import { defaultBias, kaimingUniform } from '../init';
import { DerivedCache, useFastPath } from '../fast-inference';
import { geluLinear, layerNormLinear } from '../functional/recompute-linear';
import { backendErf, type GELU } from './activation';
import type { LayerNorm } from './norm';

/** Arguments of {@link Linear} (torch.nn.Linear's, camel-cased). */
export interface LinearArgs {
  /** Size of the last input axis. */
  inFeatures: number;
  /** Size of the last output axis. */
  outFeatures: number;
  /** Adds a learned bias (default true). */
  bias?: boolean;
}

/**
 * torch.nn.Linear: y = x·Wᵀ + b with W [out, in], over the last axis of any-rank input.
 * Eval mode without a gradient tape: Wᵀ [in, out] is cached (rebuilt when W
 * changes), so y = x·(Wᵀ) + b needs no transpose.
 */
export class Linear extends Module {
  readonly weight: tf.Variable;
  readonly bias?: tf.Variable;
  private readonly derived = new DerivedCache();
  readonly inFeatures: number;
  readonly outFeatures: number;
  constructor(args: LinearArgs) {
    super();
    this.inFeatures = args.inFeatures;
    this.outFeatures = args.outFeatures;
    const shape = [this.outFeatures, this.inFeatures];
    this.weight = this.registerParameter('weight', kaimingUniform(shape));
    if (args.bias ?? true) this.bias = this.registerParameter('bias', defaultBias(shape, this.outFeatures));
  }

  private checkInput(x: tf.Tensor): void {
    if (x.shape[x.rank - 1] !== this.inFeatures) {
      throw new Error(`Linear: expected last axis ${this.inFeatures}, got [${x.shape}]`);
    }
  }

  /**
   * Training: `this(pre(x))` for a LayerNorm or GELU `pre`, keeping only x for
   * the backward: pre's output is recomputed there (`functional/recompute-linear.ts`).
   */
  forwardAfter(x: tf.Tensor, pre: LayerNorm | GELU): tf.Tensor {
    this.checkInput(x);
    return tf.tidy(() => {
      const x2 = x.reshape([-1, this.inFeatures]) as tf.Tensor2D;
      let y: tf.Tensor = 'normalizedShape' in pre
        ? layerNormLinear(x2, pre.weight, pre.bias, pre.eps, this.weight)
        : geluLinear(x2, this.weight, backendErf());
      if (this.bias) y = tf.add(y, this.bias);
      return y.reshape([...x.shape.slice(0, -1), this.outFeatures]);
    });
  }

  forward(x: tf.Tensor): tf.Tensor {
    this.checkInput(x);
    return tf.tidy(() => {
      const lead = x.shape.slice(0, -1);
      const x2 = x.reshape([-1, this.inFeatures]) as tf.Tensor2D;
      if (useFastPath(this.training)) {
        const [wt] = this.derived.get('weightT', [this.weight], () => [tf.transpose(this.weight)]);
        // a plain matmul then the bias: wasm's _FusedMatMul with a bias measured slower for the deep (K=2304) MLP fc2
        const mm = tf.matMul(x2, wt as tf.Tensor2D);
        const y = this.bias ? tf.add(mm, this.bias) : mm;
        return y.reshape([...lead, this.outFeatures]);
      }
      let y = tf.matMul(x2, this.weight, false, true);
      if (this.bias) y = tf.add(y, this.bias);
      return y.reshape([...lead, this.outFeatures]);
    });
  }

  protected override releaseDerived(): void {
    this.derived.clear();
  }

  /** Tensors held by the inference cache (for tests). */
  get cachedTensors(): number {
    return this.derived.size;
  }
}
