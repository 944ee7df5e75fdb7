/**
 * TransFER token converter (official `MaxHybridFlatten`): multi-attention
 * dropping (MAD) over the LANet maps in training, max-fusion of the maps, and
 * the 1×1 projection of the CNN map to tokens, masked by the fused map.
 */
import { Type, type Static, tf, Module, Conv2d, Rng, withDefaults, type BuildContext } from 'fer-mm';
import { MODELS } from './scope';

export const MaxHybridFlattenArgs = Type.Object(
  {
    in_channels: Type.Integer({ minimum: 1, default: 256, description: 'Channels of the CNN map.' }),
    embed_dim: Type.Integer({ minimum: 1, default: 768, description: 'Token width.' }),
    drop_rate: Type.Number({ minimum: 0, maximum: 1, default: 0.6, description: 'MAD: probability that a sample drops maps (training only).' }),
    drop_upper: Type.Integer({ minimum: 0, default: 1, description: 'MAD: a dropping sample zeroes k ~ randint(1, drop_upper) maps.' }),
    mask_after_proj: Type.Boolean({
      default: false,
      description: 'false: tokens = proj(f · m) (paper / Paddle order); true: tokens = proj(f) · m (official PyTorch neck).',
    }),
    seed: Type.Integer({ default: 0, description: 'Seed of the MAD draws.' }),
  },
  { additionalProperties: false, description: 'MAD + max-fusion of attention maps + 1×1 projection to tokens.' },
);
export type MaxHybridFlattenArgs = Static<typeof MaxHybridFlattenArgs>;

export class MaxHybridFlatten extends Module {
  readonly proj: Conv2d;
  readonly args: MaxHybridFlattenArgs;
  /** Draws of the MAD dropping; reseed with `rng.setState` for exact replay. */
  readonly rng: Rng;
  /** Per sample, the map indices MAD zeroed in the last training forward (for tests and visualisation). */
  lastDropped: number[][] = [];

  constructor(rawArgs: Partial<MaxHybridFlattenArgs> = {}, ctx?: BuildContext) {
    super();
    this.args = withDefaults(MaxHybridFlattenArgs, rawArgs);
    this.rng = new Rng([this.args.seed, 0x3ad]);
    this.proj = this.registerModule('proj', new Conv2d({ inChannels: this.args.in_channels, outChannels: this.args.embed_dim, kernelSize: 1, bias: true }));
  }

  /** MAD mask [B,1,1,num] (1 keep, 0 drop), drawn off the tape; null when nothing can drop. */
  private dropMask(b: number, num: number): Float32Array | null {
    const { drop_rate: p, drop_upper: upper } = this.args;
    this.lastDropped = [];
    if (!this.training || p <= 0 || upper <= 0) return null;
    const mask = new Float32Array(b * num).fill(1);
    for (let i = 0; i < b; i++) {
      const dropped: number[] = [];
      if (this.rng.random() <= p) {
        const k = this.rng.randint(1, upper);
        // drawn with replacement, like the official `random.choices`
        for (let t = 0; t < k; t++) dropped.push(this.rng.randint(0, num - 1));
        for (const m of dropped) mask[i * num + m] = 0;
      }
      this.lastDropped.push([...new Set(dropped)].sort((x, y) => x - y));
    }
    return mask;
  }

  /**
   * feature NHWC [B,H,W,C], maps `num` × [B,H,W,1] → tokens [B, H·W, embed_dim]
   * and the fused map [B,H,W,1].
   */
  forward(feature: tf.Tensor, maps: tf.Tensor[]): { tokens: tf.Tensor3D; fused: tf.Tensor } {
    const [b, h, w] = feature.shape;
    const mask = this.dropMask(b, maps.length);
    return tf.tidy(() => {
      let stacked = tf.concat(maps, -1); // [B,H,W,num]
      if (mask) stacked = tf.mul(stacked, tf.tensor4d(mask, [b, 1, 1, maps.length]));
      const fused = tf.max(stacked, -1, true); // [B,H,W,1]
      const x = this.args.mask_after_proj ? tf.mul(this.proj.forward(feature), fused) : this.proj.forward(tf.mul(feature, fused));
      return { tokens: x.reshape([b, h * w, this.args.embed_dim]) as tf.Tensor3D, fused };
    });
  }
}

MODELS.register({ name: 'MaxHybridFlatten', schema: MaxHybridFlattenArgs, role: 'neck', description: 'TransFER: MAD + max-fused attention + projection to tokens' })(MaxHybridFlatten);
