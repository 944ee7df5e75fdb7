import { tf } from '../../tf';
import { Module } from '../module';
import { DerivedCache, useFastPath } from '../fast-inference';
import { batchNormTrain, layerNorm, type BatchStats } from '../functional/norm';

/** Arguments of {@link BatchNorm2d} (torch.nn.BatchNorm2d's, camel-cased). */
export interface BatchNorm2dArgs {
  /** Channels (the last axis of NHWC input). */
  numFeatures: number;
  /** Added to the variance (default 1e-5). */
  eps?: number;
  /** Weight of the new batch in the running statistics (default 0.1). */
  momentum?: number;
}

/**
 * torch.nn.BatchNorm2d over the channel (last) axis of NHWC input.
 * Training: normalises with the batch mean and biased variance and updates
 * running_mean / running_var (unbiased variance) with `momentum`, plus
 * num_batches_tracked. Eval: uses the running statistics.
 */
export class BatchNorm2d extends Module {
  readonly numFeatures: number;
  readonly eps: number;
  readonly momentum: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  readonly runningMean: tf.Variable;
  readonly runningVar: tf.Variable;
  readonly numBatchesTracked: tf.Variable;
  private readonly derived = new DerivedCache();

  constructor(args: BatchNorm2dArgs) {
    super();
    this.numFeatures = args.numFeatures;
    this.eps = args.eps ?? 1e-5;
    this.momentum = args.momentum ?? 0.1;
    const c = this.numFeatures;
    this.weight = this.registerParameter('weight', tf.ones([c]));
    this.bias = this.registerParameter('bias', tf.zeros([c]));
    this.runningMean = this.registerBuffer('running_mean', tf.zeros([c]));
    this.runningVar = this.registerBuffer('running_var', tf.ones([c]));
    this.numBatchesTracked = this.registerBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
  }

  /** Throws unless `x` can be normalised with batch statistics (more than one value per channel). */
  checkTrainInput(x: tf.Tensor): void {
    if (x.shape[x.rank - 1] !== this.numFeatures) {
      throw new Error(`BatchNorm2d: expected ${this.numFeatures} channels (last axis), got [${x.shape}]`);
    }
    if (x.size / this.numFeatures <= 1) throw new Error(`BatchNorm2d: expected more than 1 value per channel when training, got input [${x.shape}]`);
  }

  /** Running statistics from a training batch's (torch: unbiased variance, `momentum`) and the batch count; not differentiated. */
  trackBatchStats({ mean, variance, count: n }: BatchStats): void {
    const m = this.momentum;
    this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
    this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(variance, (m * n) / (n - 1))));
    this.numBatchesTracked.assign(tf.add(this.numBatchesTracked, tf.scalar(1, 'int32')));
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.numFeatures) {
      throw new Error(`BatchNorm2d: expected ${this.numFeatures} channels (last axis), got [${x.shape}]`);
    }
    return tf.tidy(() => {
      if (this.training) {
        this.checkTrainInput(x);
        return batchNormTrain(x, this.weight, this.bias, this.eps, (stats) => this.trackBatchStats(stats));
      }
      // nothing differentiated: scale and shift cached until a statistic or weight changes (two
      // passes over x; tfjs-node's FusedBatchNorm took 20x longer, wasm's about as long)
      const [scale, shift] = useFastPath(this.training)
        ? this.derived.get('affine', [this.weight, this.bias, this.runningMean, this.runningVar], () => this.affine())
        : this.affine();
      return tf.add(tf.mul(x, scale), shift);
    });
  }

  /** y = x·scale + shift with the running statistics. */
  private affine(): [tf.Tensor, tf.Tensor] {
    const scale = tf.mul(this.weight, tf.rsqrt(tf.add(this.runningVar, this.eps)));
    return [scale, tf.sub(this.bias, tf.mul(this.runningMean, scale))];
  }

  protected override releaseDerived(): void {
    this.derived.clear();
  }
}

/** Arguments of {@link LayerNorm} (torch.nn.LayerNorm's, camel-cased). */
export interface LayerNormArgs {
  /** Size of the normalised last axis. */
  normalizedShape: number;
  /** Added to the variance (default 1e-5; timm ViTs use 1e-6). */
  eps?: number;
}

/** torch.nn.LayerNorm over the last axis (biased variance). */
export class LayerNorm extends Module {
  readonly normalizedShape: number;
  readonly eps: number;
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  constructor(args: LayerNormArgs) {
    super();
    this.normalizedShape = args.normalizedShape;
    this.eps = args.eps ?? 1e-5;
    this.weight = this.registerParameter('weight', tf.ones([this.normalizedShape]));
    this.bias = this.registerParameter('bias', tf.zeros([this.normalizedShape]));
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.normalizedShape) {
      throw new Error(`LayerNorm: expected last axis ${this.normalizedShape}, got [${x.shape}]`);
    }
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}
