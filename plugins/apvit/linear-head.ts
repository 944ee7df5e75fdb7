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

/** mmcls Accuracy: percentage of samples whose label is among the k highest scores (lower index wins ties). */
export function topkAccuracy(logits: tf.Tensor2D, labels: tf.Tensor1D, topk: number[]): Record<string, tf.Scalar> {
  const [b, k] = logits.shape;
  const s = logits.dataSync();
  const y = labels.dataSync();
  const out: Record<string, tf.Scalar> = {};
  for (const kk of topk) {
    let correct = 0;
    for (let i = 0; i < b; i++) {
      const target = s[i * k + y[i]];
      let rank = 0; // classes strictly better, or equal with a lower index
      for (let c = 0; c < k; c++) {
        const v = s[i * k + c];
        if (v > target || (v === target && c < y[i])) rank++;
      }
      if (rank < kk) correct++;
    }
    out[`accuracy.top-${kk}`] = tf.scalar(b ? (correct * 100) / b : 0);
  }
  return out;
}

MODELS.register({ name: 'LinearClsHead', schema: LinearClsHeadArgs, role: 'head', description: 'Linear classifier head (zero init) with CE loss and top-k accuracy' })(LinearClsHead);
