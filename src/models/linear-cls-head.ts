/**
 * LinearClsHead (mmcls `heads/linear_head.py`): one Linear layer [B, C] →
 * [B, num_classes] on top of {@link ClsHead}'s loss and accuracy. Weight and
 * bias start at zero (the constant init of the APViT/TransFER code base), so
 * `fc.weight` / `fc.bias` are the only state_dict keys.
 */
import { Type, type Static } from '@sinclair/typebox';
import { tf } from '../tf';
import { MODELS } from '../registry/root';
import type { BuildContext } from '../registry/registry';
import { Linear } from '../nn/layers/linear';
import { assignInit } from '../nn/init';
import { ClsHead, clsHeadProperties } from './cls-head';

export const LinearClsHeadArgs = Type.Object(
  {
    num_classes: Type.Integer({ minimum: 1 }),
    in_channels: Type.Integer({ minimum: 1, description: 'Feature size C of the [B, C] input.' }),
    ...clsHeadProperties,
  },
  { additionalProperties: false, description: 'Linear classification head, zero-initialised.' },
);
export type LinearClsHeadArgs = Static<typeof LinearClsHeadArgs>;

export class LinearClsHead extends ClsHead {
  readonly fc: Linear;
  readonly numClasses: number;

  constructor(rawArgs: Partial<LinearClsHeadArgs> & { num_classes: number; in_channels: number }, ctx?: BuildContext) {
    super(rawArgs, ctx, LinearClsHeadArgs);
    this.numClasses = rawArgs.num_classes;
    for (const k of this.topk) if (k > this.numClasses) throw new Error(`LinearClsHead.topk: ${k} > num_classes ${this.numClasses}`);
    this.fc = this.registerModule('fc', new Linear({ inFeatures: rawArgs.in_channels, outFeatures: this.numClasses }));
    assignInit(this.fc.weight, tf.zeros(this.fc.weight.shape));
    if (this.fc.bias) assignInit(this.fc.bias, tf.zeros(this.fc.bias.shape));
  }

  /** Logits [B, num_classes] of features [B, in_channels]. */
  override forward(x: tf.Tensor): tf.Tensor2D {
    return this.fc.forward(x) as tf.Tensor2D;
  }
}

MODELS.register({ name: 'LinearClsHead', schema: LinearClsHeadArgs, role: 'head', description: 'Linear classifier head (zero init) with CE loss and top-k accuracy' })(LinearClsHead);
