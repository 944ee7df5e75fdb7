/**
 * ResidualMLPNeck: `y = x + fc2(drop(gelu(fc1(norm(x)))))` over the last axis,
 * so it works on pooled features `[B, C]` (what PoolingViT returns) and on
 * token maps `[B, N, C]` alike. `fc2` starts at zero, so a freshly added neck
 * is the identity and does not disturb pretrained features on step one.
 */
import { Dropout, GELU, LayerNorm, Linear, Module, Type, tf, type BuildContext, type Static } from 'fer-mm';
import { EXAMPLE_MODELS } from './scope';

/** Arguments of `example.ResidualMLPNeck` (validated, defaults filled, before the constructor runs). */
export const ResidualMLPNeckArgs = Type.Object(
  {
    /** Feature width C (the last axis of the input). */
    in_channels: Type.Integer({ minimum: 1, description: 'feature width C (last axis of the input)' }),
    /** Hidden width = round(in_channels * mlp_ratio). */
    mlp_ratio: Type.Number({ exclusiveMinimum: 0, default: 2, description: 'hidden width = round(in_channels * mlp_ratio)' }),
    /** Dropout after the activation (training only). */
    drop_rate: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0, description: 'dropout after the activation' }),
    /** LayerNorm epsilon. */
    eps: Type.Number({ exclusiveMinimum: 0, default: 1e-6, description: 'LayerNorm epsilon' }),
  },
  { additionalProperties: false, description: 'Pre-norm residual MLP over the last axis (identity at init).' },
);
export type ResidualMLPNeckArgs = Static<typeof ResidualMLPNeckArgs>;

@EXAMPLE_MODELS.register({
  name: 'ResidualMLPNeck',
  schema: ResidualMLPNeckArgs,
  role: 'neck',
  description: 'pre-norm residual MLP on features, identity at init (example plugin)',
})
export class ResidualMLPNeck extends Module {
  readonly norm: LayerNorm;
  readonly fc1: Linear;
  readonly act: GELU;
  readonly drop: Dropout;
  readonly fc2: Linear;
  readonly inChannels: number;

  // Defaults repeated here so `new ResidualMLPNeck({ in_channels })` outside a registry build works too.
  constructor(args: Partial<ResidualMLPNeckArgs> & { in_channels: number }, ctx?: BuildContext) {
    super();
    const { in_channels, mlp_ratio = 2, drop_rate = 0, eps = 1e-6 } = args;
    const where = ctx?.path ?? 'neck';
    if (!Number.isInteger(in_channels) || in_channels < 1) throw new Error(`${where}.in_channels: expected a positive integer, got ${in_channels}`);
    const hidden = Math.max(1, Math.round(in_channels * mlp_ratio));
    this.inChannels = in_channels;
    this.norm = this.registerModule('norm', new LayerNorm({ normalizedShape: in_channels, eps }));
    this.fc1 = this.registerModule('fc1', new Linear({ inFeatures: in_channels, outFeatures: hidden }));
    this.act = this.registerModule('act', new GELU());
    this.drop = this.registerModule('drop', new Dropout({ p: drop_rate }));
    this.fc2 = this.registerModule('fc2', new Linear({ inFeatures: hidden, outFeatures: in_channels }));
    tf.tidy(() => {
      this.fc2.weight.assign(tf.zerosLike(this.fc2.weight));
      this.fc2.bias?.assign(tf.zerosLike(this.fc2.bias));
    });
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (x.shape[x.rank - 1] !== this.inChannels) {
      throw new Error(`ResidualMLPNeck: expected ${this.inChannels} features on the last axis, got [${x.shape}]`);
    }
    return tf.tidy(() => {
      const h = this.drop.forward(this.act.forward(this.fc1.forward(this.norm.forward(x))));
      return tf.add(x, this.fc2.forward(h));
    });
  }
}

