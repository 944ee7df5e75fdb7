/**
 * GlobalAveragePooling neck (mmcls `necks/gap.py`), NHWC layout: a map
 * [B, H, W, C] → [B, C], tokens [B, N, C] → [B, C], [B, C] unchanged. A tuple
 * (array) of inputs gives a tuple of outputs, as in mmcls.
 */
import { Type, type Static } from '@sinclair/typebox';
import { tf } from '../tf';
import { MODELS } from '../registry/root';
import type { BuildContext } from '../registry/registry';
import { Module } from '../nn/module';
import { withDefaults } from './component-args';

export const GlobalAveragePoolingArgs = Type.Object(
  {
    dim: Type.Union([Type.Literal(1), Type.Literal(2), Type.Literal(3)], {
      default: 2,
      description: 'Spatial dims averaged (mmcls): 2 = [B,H,W,C], 1 = [B,N,C] tokens, 3 = [B,D,H,W,C].',
    }),
  },
  { additionalProperties: false, description: 'Global average pooling over the spatial (or token) axes.' },
);
export type GlobalAveragePoolingArgs = Static<typeof GlobalAveragePoolingArgs>;

export class GlobalAveragePooling extends Module {
  readonly dim: 1 | 2 | 3;
  private readonly where: string;
  constructor(rawArgs: Partial<GlobalAveragePoolingArgs> = {}, ctx?: BuildContext) {
    super();
    this.dim = withDefaults(GlobalAveragePoolingArgs, rawArgs).dim;
    this.where = ctx?.path ?? 'GlobalAveragePooling';
  }

  forward(x: tf.Tensor): tf.Tensor2D;
  forward(x: tf.Tensor[]): tf.Tensor2D[];
  forward(x: tf.Tensor | tf.Tensor[]): tf.Tensor2D | tf.Tensor2D[] {
    if (Array.isArray(x)) return x.map((t) => this.pool(t));
    return this.pool(x);
  }

  private pool(x: tf.Tensor): tf.Tensor2D {
    if (x.rank !== this.dim + 2) {
      throw new Error(`${this.where}: dim ${this.dim} expects a rank-${this.dim + 2} input (batch, ${this.dim} spatial axes, channels last), got shape [${x.shape.join(', ')}]`);
    }
    return tf.tidy(() => tf.mean(x, Array.from({ length: this.dim }, (_, i) => i + 1)) as tf.Tensor2D);
  }
}

MODELS.register({ name: 'GlobalAveragePooling', schema: GlobalAveragePoolingArgs, role: 'neck', description: 'Global average pooling neck (NHWC → [B, C])' })(GlobalAveragePooling);
