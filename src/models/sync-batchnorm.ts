/**
 * torch.nn.SyncBatchNorm: BatchNorm2d whose training statistics cover the
 * whole distributed batch. The forward sums (Σx, Σx², count) per channel over
 * every rank; the gradient sums (Σdx̂, Σdx̂·x̂) likewise, so W ranks × batch B
 * compute what one process computes with batch W·B. The state_dict keys are
 * BatchNorm2d's. In one process (or in eval mode) it is plain BatchNorm2d.
 * The reductions block inside the forward/gradient functions (tfjs cannot
 * await there), through the channel `src/distributed` opens in
 * `broadcastWeights`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { tf } from '../tf';
import { MODELS } from '../registry/root';
import { Module } from '../nn/module';
import { BatchNorm2d } from '../nn/layers/norm';
import { withDefaults } from './component-args';
import { currentSyncChannel, requestSyncChannel, type BlockingAllReduce as SyncChannel } from '../nn/sync-reduce';

export const SyncBatchNormArgs = Type.Object(
  {
    num_features: Type.Integer({ minimum: 1 }),
    eps: Type.Number({ default: 1e-5 }),
    momentum: Type.Number({ default: 0.1 }),
  },
  { additionalProperties: false, description: 'BatchNorm2d with batch statistics over all ranks (mmcv norm_cfg type SyncBN).' },
);
export type SyncBatchNormArgs = Static<typeof SyncBatchNormArgs>;

type Grad = (...args: Array<tf.Tensor | tf.GradSaveFunc>) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor[] };

export class SyncBatchNorm extends BatchNorm2d {
  /** Takes the config's args (mmcv norm_cfg `{ type: 'SyncBN', num_features, ... }`); eps and momentum default as in BatchNorm2d. */
  constructor(rawArgs: Partial<SyncBatchNormArgs> & { num_features: number }) {
    const a = withDefaults(SyncBatchNormArgs, rawArgs);
    super({ numFeatures: a.num_features, eps: a.eps, momentum: a.momentum });
    requestSyncChannel();
  }

  override forward(x: tf.Tensor): tf.Tensor {
    const ch = currentSyncChannel();
    if (!this.training || !ch || ch.worldSize === 1) return super.forward(x);
    if (x.shape[x.rank - 1] !== this.numFeatures) {
      throw new Error(`SyncBatchNorm: expected ${this.numFeatures} channels (last axis), got [${x.shape}]`);
    }
    return tf.tidy(() => this.forwardSync(x, ch));
  }

  private forwardSync(x: tf.Tensor, ch: SyncChannel): tf.Tensor {
    const c = this.numFeatures;
    const axes = [...Array(x.rank - 1).keys()];
    const eps = this.eps;
    // the running statistics are updated from inside customGrad's forward
    const updateRunning = (mean: Float32Array, variance: Float32Array, n: number) => this.updateRunning(mean, variance, n);
    const op = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
      const [xi, g, b, save] = inputs as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
      const local = tf.tidy(() => tf.concat([tf.sum(xi, axes), tf.sum(tf.square(xi), axes)]));
      const localVals = local.dataSync();
      local.dispose();
      const sums = ch.allReduceSumSync([...localVals, xi.size / c], 'SyncBatchNorm statistics');
      const n = sums[2 * c];
      const mean = new Float32Array(c);
      const variance = new Float32Array(c);
      for (let i = 0; i < c; i++) {
        const m = sums[i] / n;
        mean[i] = m;
        variance[i] = Math.max(sums[c + i] / n - m * m, 0);
      }
      updateRunning(mean, variance, n);
      const [value, m, inv] = tf.tidy(() => {
        const mt = tf.tensor1d(mean);
        const it = tf.rsqrt(tf.add(tf.tensor1d(variance), eps));
        const scale = tf.mul(it, g);
        return [tf.add(tf.mul(xi, scale), tf.sub(b, tf.mul(mt, scale))), mt, it];
      });
      save([xi, g, m, inv]);
      return {
        value,
        gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
          const [xs, gs, ms, invs] = saved;
          const { xhat, dxhat, local1 } = tf.tidy(() => {
            const xh = tf.mul(tf.sub(xs, ms), invs);
            const dxh = tf.mul(dy, gs);
            return { xhat: xh, dxhat: dxh, local1: tf.concat([tf.sum(dxh, axes), tf.sum(tf.mul(dxh, xh), axes)]) };
          });
          const vals = local1.dataSync();
          local1.dispose();
          const s = ch.allReduceSumSync(vals, 'SyncBatchNorm gradient');
          return tf.tidy(() => {
            const s1 = tf.tensor1d(Float32Array.from(s.subarray(0, c)));
            const s2 = tf.tensor1d(Float32Array.from(s.subarray(c, 2 * c)));
            // weight/bias gradients stay local: the DDP gradient average sums them over ranks
            const dGamma = tf.sum(tf.mul(dy, xhat), axes);
            const dBeta = tf.sum(dy, axes);
            const dx = tf.mul(tf.sub(tf.sub(dxhat, tf.div(s1, n)), tf.mul(xhat, tf.div(s2, n))), invs);
            xhat.dispose();
            dxhat.dispose();
            return [dx, dGamma, dBeta];
          });
        },
      };
    }) as Grad);
    return op(x, this.weight, this.bias) as tf.Tensor;
  }

  /** Running mean / unbiased variance over the global count, like torch's SyncBatchNorm. */
  private updateRunning(mean: Float32Array, variance: Float32Array, n: number): void {
    const m = this.momentum;
    tf.tidy(() => {
      this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(tf.tensor1d(mean), m)));
      this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(tf.tensor1d(variance), (m * n) / Math.max(n - 1, 1))));
      this.numBatchesTracked.assign(tf.add(this.numBatchesTracked, tf.scalar(1, 'int32')));
    });
  }
}

MODELS.register({ name: 'SyncBN', aliases: ['SyncBatchNorm'], schema: SyncBatchNormArgs, role: 'norm', description: 'BatchNorm2d with batch statistics over all ranks' })(SyncBatchNorm);

/**
 * torch's `SyncBatchNorm.convert_sync_batchnorm`: every BatchNorm2d under
 * `model` becomes a SyncBatchNorm. Converted in place (same object, same
 * variables), because models also hold their BN layers in typed fields that a
 * replaced child would not update. Returns the number converted.
 */
export function convertSyncBatchnorm(model: object): number {
  if (!(model instanceof Module)) throw new Error(`sync_bn: the model (${model.constructor.name}) is not a Module, so its BatchNorm2d layers cannot be converted`);
  let n = 0;
  for (const [, m] of model.namedModules()) {
    if (m instanceof BatchNorm2d && !(m instanceof SyncBatchNorm)) {
      Object.setPrototypeOf(m, SyncBatchNorm.prototype);
      n++;
    }
  }
  if (n > 0) requestSyncChannel();
  return n;
}
