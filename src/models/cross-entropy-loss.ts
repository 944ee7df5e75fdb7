/**
 * CrossEntropyLoss (mmcls `losses/cross_entropy_loss.py`): softmax cross
 * entropy over integer labels, reduced over samples, times `loss_weight`.
 * Label smoothing follows mmcls `LabelSmoothLoss` mode 'original' (= torch's
 * `label_smoothing`): target = (1-ε)·onehot + ε/K; set it with
 * `label_smooth_val` (mmcls' name) or `label_smoothing` (torch's name).
 */
import { Type, type Static } from '@sinclair/typebox';
import { tf } from '../tf';
import { MODELS } from '../registry/root';
import type { BuildContext } from '../registry/registry';
import { Module } from '../nn/module';
import { withDefaults } from './component-args';

const Smoothing = (description: string) => Type.Optional(Type.Number({ minimum: 0, maximum: 1, description }));

export const CrossEntropyLossArgs = Type.Object(
  {
    use_sigmoid: Type.Literal(false, { default: false, description: 'Only softmax cross entropy is implemented.' }),
    reduction: Type.Union([Type.Literal('mean'), Type.Literal('sum'), Type.Literal('none')], { default: 'mean' }),
    loss_weight: Type.Number({ default: 1.0, description: 'Multiplies the reduced loss.' }),
    label_smooth_val: Smoothing('Label smoothing ε (mmcls name); 0 or absent: none.'),
    label_smoothing: Smoothing('Same as label_smooth_val (torch name); give one of the two.'),
  },
  { additionalProperties: false, description: 'Softmax cross-entropy loss with optional label smoothing.' },
);
export type CrossEntropyLossArgs = Static<typeof CrossEntropyLossArgs>;

export class CrossEntropyLoss extends Module {
  readonly args: CrossEntropyLossArgs;
  /** The label smoothing ε in use. */
  readonly smoothing: number;
  constructor(rawArgs: Partial<CrossEntropyLossArgs> = {}, ctx?: BuildContext) {
    super();
    this.args = withDefaults(CrossEntropyLossArgs, rawArgs);
    const { label_smooth_val: a, label_smoothing: b } = this.args;
    if (a !== undefined && b !== undefined && a !== b) {
      throw new Error(`${ctx?.path ?? 'CrossEntropyLoss'}: label_smooth_val (${a}) and label_smoothing (${b}) disagree; give one of them`);
    }
    this.smoothing = a ?? b ?? 0;
  }

  /** logits [B,K], labels [B] (integer class indices) → scalar (or [B] with reduction 'none'). */
  forward(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor {
    return tf.tidy(() => {
      const k = logits.shape[1];
      const eps = this.smoothing;
      let target = tf.oneHot(tf.cast(labels, 'int32'), k).toFloat();
      if (eps > 0) target = tf.add(tf.mul(target, 1 - eps), eps / k);
      const perSample = tf.neg(tf.sum(tf.mul(target, tf.logSoftmax(logits, -1)), -1));
      const reduced = this.args.reduction === 'mean' ? tf.mean(perSample) : this.args.reduction === 'sum' ? tf.sum(perSample) : perSample;
      return tf.mul(reduced, this.args.loss_weight);
    });
  }
}

MODELS.register({ name: 'CrossEntropyLoss', schema: CrossEntropyLossArgs, role: 'loss', description: 'Softmax cross entropy (optional label smoothing)' })(CrossEntropyLoss);
