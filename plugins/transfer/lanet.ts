/**
 * TransFER local CNNs (official `mmcls/models/necks/la_max.py`): `LANet`
 * produces one sigmoid attention map from the CNN features; `MultiLANet`
 * holds `num` of them plus the attention-map diversity loss. Blocks first,
 * then the neck, then the loss, then registration.
 */
import { Type, type Static, tf, Module, Conv2d, BatchNorm2d, ModuleList, withDefaults, type BuildContext } from 'fer-mm';
import { MODELS } from './scope';

// ---------------------------------------------------------------- blocks

/** Arguments of {@link LANet} (the official `LANet(channel_num, ratio)`). */
export interface LANetArgs {
  /** Channels of the CNN map. */
  channels: number;
  /** Bottleneck reduction; must divide channels (default 16). */
  ratio?: number;
}

/** 1×1 conv bottleneck (C → C/ratio) + BN + ReLU → 1×1 conv (→ 1) + BN + sigmoid. Keys as the official LANet. */
export class LANet extends Module {
  readonly LA_conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly LA_conv2: Conv2d;
  readonly bn2: BatchNorm2d;

  constructor(args: LANetArgs) {
    super();
    const { channels, ratio = 16 } = args;
    if (channels % ratio) throw new Error(`LANet: in_channels ${channels} must be divisible by ratio ${ratio}`);
    const mid = channels / ratio;
    this.LA_conv1 = this.registerModule('LA_conv1', new Conv2d({ inChannels: channels, outChannels: mid, kernelSize: 1, bias: true }));
    this.bn1 = this.registerModule('bn1', new BatchNorm2d({ numFeatures: mid }));
    this.LA_conv2 = this.registerModule('LA_conv2', new Conv2d({ inChannels: mid, outChannels: 1, kernelSize: 1, bias: true }));
    this.bn2 = this.registerModule('bn2', new BatchNorm2d({ numFeatures: 1 }));
  }

  /** NHWC features [B,H,W,C] → attention map [B,H,W,1] in (0,1). */
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const h = tf.relu(this.bn1.forward(this.LA_conv1.forward(x)));
      return tf.sigmoid(this.bn2.forward(this.LA_conv2.forward(h)));
    });
  }
}

// ---------------------------------------------------------------- loss

export const DiverseEuclidLossArgs = Type.Object(
  {
    loss_margin: Type.Number({ default: 1.0, description: 'Pairs of maps closer than this (L2 / (H·W)) are penalised.' }),
    loss_weight: Type.Number({ minimum: 0, default: 0.5, description: 'Multiplier of the loss (0 disables it, as in the Paddle TransFER).' }),
  },
  { additionalProperties: false, description: 'Attention-map diversity loss (LANetAttention_div_loss / DiverseEuclidLoss).' },
);
export type DiverseEuclidLossArgs = Static<typeof DiverseEuclidLossArgs>;

/**
 * For each pair (i, j) of maps: Σ_b max(0, margin − ‖A_i − A_j‖₂ / (H·W)) / 2 / B,
 * averaged over the pairs, times `loss_weight`. The norm uses sqrt(x + 1e-12)
 * so identical maps get a finite gradient (torch's norm subgradient is 0 there).
 */
export class DiverseEuclidLoss extends Module {
  readonly margin: number;
  readonly lossWeight: number;
  constructor(rawArgs: Partial<DiverseEuclidLossArgs> = {}) {
    super();
    const a = withDefaults(DiverseEuclidLossArgs, rawArgs);
    this.margin = a.loss_margin;
    this.lossWeight = a.loss_weight;
  }

  /** maps: `num` tensors [B,H,W,1]. Fewer than two maps give 0. */
  forward(maps: tf.Tensor[]): tf.Scalar {
    return tf.tidy(() => {
      if (maps.length < 2) return tf.scalar(0);
      const [b, h, w] = maps[0].shape;
      const terms: tf.Scalar[] = [];
      for (let i = 0; i < maps.length; i++) {
        for (let j = i + 1; j < maps.length; j++) {
          const d = tf.sub(maps[i], maps[j]).reshape([b, h * w]);
          const dist = tf.div(tf.sqrt(tf.add(tf.sum(tf.square(d), 1), 1e-12)), h * w);
          terms.push(tf.div(tf.sum(tf.relu(tf.sub(this.margin, dist))), 2 * b) as tf.Scalar);
        }
      }
      return tf.mul(tf.div(tf.addN(terms), terms.length), this.lossWeight) as tf.Scalar;
    });
  }
}

// ---------------------------------------------------------------- neck

export const MultiLANetArgs = Type.Object(
  {
    in_channels: Type.Integer({ minimum: 1, default: 256, description: 'Channels of the CNN map.' }),
    ratio: Type.Integer({ minimum: 1, default: 16, description: 'Bottleneck reduction of each LANet.' }),
    num: Type.Integer({ minimum: 1, default: 2, description: 'Number of attention maps (local CNNs).' }),
    loss: Type.Optional(DiverseEuclidLossArgs),
  },
  { additionalProperties: false, description: 'Several LANets over one CNN map, with the diversity loss.' },
);
export type MultiLANetArgs = Static<typeof MultiLANetArgs>;

export class MultiLANet extends Module {
  readonly las: ModuleList<LANet>;
  readonly criterion: DiverseEuclidLoss;
  constructor(rawArgs: Partial<MultiLANetArgs> = {}, _ctx?: BuildContext) {
    super();
    const a = withDefaults(MultiLANetArgs, rawArgs);
    const las = Array.from({ length: a.num }, () => new LANet({ channels: a.in_channels, ratio: a.ratio }));
    this.las = this.registerModule('las', new ModuleList({ modules: las }));
    this.criterion = new DiverseEuclidLoss(a.loss ?? {});
  }

  /** → the `num` attention maps [B,H,W,1] and the diversity loss. */
  forward(x: tf.Tensor): { maps: tf.Tensor[]; loss: tf.Scalar } {
    const maps = [...this.las].map((la) => la.forward(x));
    return { maps, loss: this.criterion.forward(maps) };
  }
}

MODELS.register({ name: 'DiverseEuclidLoss', aliases: ['LANetAttention_div_loss'], schema: DiverseEuclidLossArgs, role: 'loss', description: 'TransFER attention-map diversity loss' })(DiverseEuclidLoss);
MODELS.register({ name: 'MultiLANet', schema: MultiLANetArgs, role: 'neck', description: 'TransFER local CNNs: several LANet attention maps' })(MultiLANet);
