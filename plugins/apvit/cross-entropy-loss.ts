/**
 * CrossEntropyLoss (mmcls `losses/cross_entropy_loss.py`): softmax cross
 * entropy over integer labels, mean over samples, times `loss_weight`;
 * optional label smoothing (torch semantics: (1-ε)·onehot + ε/K).
 */
import { Type, type Static } from '@sinclair/typebox';
import { tf } from '../../src/tf';
import { MODELS } from '../../src/registry/root';
import type { BuildContext } from '../../src/registry/registry';
import { Module } from '../../src/nn/module';
import { withDefaults } from './common';

export const CrossEntropyLossArgs = Type.Object(
  {
    use_sigmoid: Type.Literal(false, { default: false, description: 'Only softmax cross entropy is implemented.' }),
    reduction: Type.Union([Type.Literal('mean'), Type.Literal('sum'), Type.Literal('none')], { default: 'mean' }),
    loss_weight: Type.Number({ default: 1.0 }),
    label_smoothing: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'Extension: 0 (the APViT config) means none.' }),
  },
  { additionalProperties: false, description: 'Softmax cross-entropy loss.' },
);
export type CrossEntropyLossArgs = Static<typeof CrossEntropyLossArgs>;

export class CrossEntropyLoss extends Module {
  readonly args: CrossEntropyLossArgs;
  constructor(rawArgs: Partial<CrossEntropyLossArgs> = {}, _ctx?: BuildContext) {
    super();
    this.args = withDefaults(CrossEntropyLossArgs, rawArgs);
  }

  /** logits [B,K], labels [B] int32 → scalar (or [B] with reduction 'none'). */
  forward(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor {
    return tf.tidy(() => {
      const k = logits.shape[1];
      const eps = this.args.label_smoothing;
      let target = tf.oneHot(tf.cast(labels, 'int32'), k).toFloat();
      if (eps > 0) target = tf.add(tf.mul(target, 1 - eps), eps / k);
      const perSample = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits, -1)), -1));
      const reduced = this.args.reduction === 'mean' ? tf.mean(perSample) : this.args.reduction === 'sum' ? tf.sum(perSample) : perSample;
      return tf.mul(reduced, this.args.loss_weight);
    });
  }
}

MODELS.register({ name: 'CrossEntropyLoss', schema: CrossEntropyLossArgs, role: 'loss', description: 'Softmax cross entropy (optional label smoothing)' })(CrossEntropyLoss);
