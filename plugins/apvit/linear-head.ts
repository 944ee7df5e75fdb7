/**
 * LinearClsHead (mmcls `heads/linear_head.py` + `ClsHead`): one Linear layer,
 * zero-initialised weight and bias (mmcls `init_weights` constant_init), loss
 * and top-k accuracy in training.
 */
import { Type, type Static } from '@sinclair/typebox';
import { tf } from '../../src/tf';
import { MODELS } from '../../src/registry/root';
import type { BuildContext, ConfigNode } from '../../src/registry/registry';
import { Component } from '../../src/registry/schema';
import { Module } from '../../src/nn/module';
import { Linear } from '../../src/nn/layers/linear';
import { assignInit } from '../../src/nn/init';
import { CrossEntropyLoss } from './cross-entropy-loss';
import { withDefaults } from './common';

type LossModule = Module & { forward(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor };

export const LinearClsHeadArgs = Type.Object(
  {
    num_classes: Type.Integer({ minimum: 1 }),
    in_channels: Type.Integer({ minimum: 1 }),
    loss: Type.Optional(
      Component<LossModule>(MODELS, {
        role: 'loss',
        description: "Loss config (default { type: 'CrossEntropyLoss', loss_weight: 1.0 }).",
      }),
    ),
    topk: Type.Union([Type.Integer({ minimum: 1 }), Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1 })], {
      default: [1],
      description: 'Accuracies logged in training as accuracy.top-k (percent).',
    }),
  },
  { additionalProperties: false, description: 'Linear classification head, zero-initialised.' },
);
export type LinearClsHeadArgs = Static<typeof LinearClsHeadArgs>;

export class LinearClsHead extends Module {
  readonly fc: Linear;
  readonly compute_loss: LossModule;
  readonly topk: number[];
  readonly numClasses: number;

  constructor(rawArgs: Partial<LinearClsHeadArgs> & { num_classes: number; in_channels: number }, ctx?: BuildContext) {
    super();
    const a = withDefaults(LinearClsHeadArgs, rawArgs);
    this.numClasses = a.num_classes;
    this.topk = typeof a.topk === 'number' ? [a.topk] : a.topk;
    for (const k of this.topk) if (k > a.num_classes) throw new Error(`LinearClsHead.topk: ${k} > num_classes ${a.num_classes}`);
    this.fc = this.registerModule('fc', new Linear(a.in_channels, a.num_classes));
    // the loss has no parameters; kept unregistered like mmcls' compute_loss
    const loss: unknown = a.loss;
    if (loss === undefined || loss === null) this.compute_loss = new CrossEntropyLoss({ loss_weight: 1.0 });
    else if (loss instanceof Module) this.compute_loss = loss as LossModule;
    else this.compute_loss = MODELS.build<LossModule>(loss as ConfigNode, { path: `${ctx?.path ?? 'head'}.loss`, services: ctx?.services });
    assignInit(this.fc.weight, tf.zeros(this.fc.weight.shape));
    if (this.fc.bias) assignInit(this.fc.bias, tf.zeros(this.fc.bias.shape));
  }

  /** Logits [B, num_classes]. */
  forward(x: tf.Tensor): tf.Tensor2D {
    return this.fc.forward(x) as tf.Tensor2D;
  }

  /** `{ ce_loss, 'accuracy.top-k' }`; only keys containing 'loss' are losses. */
  forwardTrain(x: tf.Tensor, gtLabel: tf.Tensor1D): Record<string, tf.Scalar> {
    return tf.tidy(() => {
      const logits = this.forward(x);
      const out: Record<string, tf.Scalar> = { ce_loss: this.compute_loss.forward(logits, gtLabel) as tf.Scalar };
      Object.assign(out, topkAccuracy(logits, gtLabel, this.topk));
      return out;
    });
  }

  /** Softmax scores [B, num_classes]. */
  simpleTest(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => tf.softmax(this.forward(x), -1));
  }
}

/**
 * mmcls Accuracy: percentage of samples whose label is among the k highest
 * scores (lower index wins ties), computed on the device so a training step
 * never waits to read the logits back: a sample's rank is the number of
 * classes scoring higher than its label, or equal with a lower index.
 */
export function topkAccuracy(logits: tf.Tensor2D, labels: tf.Tensor1D, topk: number[]): Record<string, tf.Scalar> {
  const [b, k] = logits.shape;
  const out: Record<string, tf.Scalar> = {};
  if (b === 0) {
    for (const kk of topk) out[`accuracy.top-${kk}`] = tf.scalar(0);
    return out;
  }
  const rank = tf.tidy(() => {
    const y = tf.cast(labels, 'int32');
    const target = tf.gather(logits, tf.reshape(y, [b, 1]), 1, 1); // [B, 1]
    const lowerIndex = tf.less(tf.reshape(tf.range(0, k, 1, 'int32'), [1, k]), tf.reshape(y, [b, 1]));
    const ahead = tf.logicalOr(tf.greater(logits, target), tf.logicalAnd(tf.equal(logits, target), lowerIndex));
    return tf.sum(tf.cast(ahead, 'int32'), 1);
  });
  for (const kk of topk) out[`accuracy.top-${kk}`] = tf.tidy(() => tf.mul(tf.mean(tf.cast(tf.less(rank, kk), 'float32')), 100)) as tf.Scalar;
  rank.dispose();
  return out;
}

MODELS.register({ name: 'LinearClsHead', schema: LinearClsHeadArgs, role: 'head', description: 'Linear classifier head (zero init) with CE loss and top-k accuracy' })(LinearClsHead);
