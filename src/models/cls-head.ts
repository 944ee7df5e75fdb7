/**
 * ClsHead (mmcls `heads/cls_head.py`): the input already holds the class
 * scores [B, K]; training returns the loss (`ce_loss`: every key containing
 * 'loss' is summed by the runner) and top-k accuracies, testing the softmax.
 * Subclasses override {@link ClsHead.forward} to turn features into scores.
 */
import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { tf } from '../tf';
import { MODELS } from '../registry/root';
import type { BuildContext, ConfigNode } from '../registry/registry';
import { Component } from '../registry/schema';
import { Module } from '../nn/module';
import { CrossEntropyLoss } from './cross-entropy-loss';
import { withDefaults } from './component-args';

/** A loss module: logits [B,K] and integer labels [B] → a scalar. */
export type LossModule = Module & { forward(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor };

/** The arguments every classification head takes (mmcls ClsHead). */
export const clsHeadProperties = {
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
};

export const ClsHeadArgs = Type.Object(clsHeadProperties, {
  additionalProperties: false,
  description: 'Classification head over precomputed class scores: loss, top-k accuracy, softmax.',
});
export type ClsHeadArgs = Static<typeof ClsHeadArgs>;

export class ClsHead extends Module {
  readonly compute_loss: LossModule;
  readonly topk: number[];

  constructor(rawArgs: Partial<ClsHeadArgs> = {}, ctx?: BuildContext, schema: TSchema = ClsHeadArgs) {
    super();
    const a = withDefaults(schema, rawArgs) as ClsHeadArgs;
    this.topk = typeof a.topk === 'number' ? [a.topk] : a.topk;
    // the loss has no parameters; kept unregistered like mmcls' compute_loss
    const loss: unknown = a.loss;
    if (loss === undefined || loss === null) this.compute_loss = new CrossEntropyLoss({ loss_weight: 1.0 });
    else if (loss instanceof Module) this.compute_loss = loss as LossModule;
    else this.compute_loss = MODELS.build<LossModule>(loss as ConfigNode, { path: `${ctx?.path ?? 'head'}.loss`, container: ctx?.container });
  }

  /** Class scores [B, K] (identity here: the input already is). */
  forward(x: tf.Tensor): tf.Tensor2D {
    return x as tf.Tensor2D;
  }

  /** `{ ce_loss, 'accuracy.top-k' }`; only keys containing 'loss' are losses. */
  forwardTrain(x: tf.Tensor, gtLabel: tf.Tensor1D): Record<string, tf.Scalar> {
    return tf.tidy(() => {
      const logits = this.forward(x);
      const k = logits.shape[1];
      for (const t of this.topk) if (t > k) throw new Error(`${this.constructor.name}.topk: ${t} > number of classes ${k}`);
      const out: Record<string, tf.Scalar> = { ce_loss: this.compute_loss.forward(logits, gtLabel) as tf.Scalar };
      Object.assign(out, topkAccuracy(logits, gtLabel, this.topk));
      return out;
    });
  }

  /** Softmax scores [B, K]. */
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

MODELS.register({ name: 'ClsHead', schema: ClsHeadArgs, role: 'head', description: 'Head over precomputed class scores: CE loss, top-k accuracy, softmax' })(ClsHead);
