/**
 * TransFER transformer: a ViT over CNN tokens whose attention applies
 * multi-head self-attention dropping (MSAD, the official `HeadDropOut`) in
 * training. Blocks first, then the model, then its registration. Parameter
 * names follow the official `VisionTransformer` (`vit.cls_token`,
 * `vit.pos_embed`, `vit.blocks.N.attn.qkv.weight`, `vit.norm.*`).
 */
import { Type, type Static, tf, Module, LayerNorm, ModuleList, truncNormal, Rng, Dropout, Attention, Block, posDropRate, timmInitWeights, vitBlockArgs, vitBlockProperties, remapTimmVit, logInfo, logWarn, withDefaults, readPretrainedFile, fromFloat32, toFloat32, formatLoadReport, type AttentionArgs, type BlockArgs, type BuildContext, type TensorData } from 'fer-mm';
import { MODELS } from './scope';

// ---------------------------------------------------------------- blocks

/** Arguments of {@link HeadDropOut} (the official `HeadDropOut`'s settings, and the stream it draws from). */
export interface HeadDropOutArgs {
  /** Probability that a sample drops (training only). */
  p: number;
  /** A dropping sample drops k ~ randint(1, upper) heads (or tokens). */
  upper: number;
  /** true: zero q, k, v of token `idx` (idx < heads), the official code's axis-1 indexing; false: zero whole heads. */
  literalTokenDrop: boolean;
  /** The draws; one stream shared by every block of a model. */
  rng: Rng;
}

/**
 * MSAD on the reshaped qkv [B, N, 3, heads, head_dim]. Dropping head h zeroes
 * its q, k and v, so its logits are all 0, its softmax is uniform and its
 * output (a mean of zero values) is exactly 0: the head contributes nothing.
 */
export class HeadDropOut extends Module {
  /** Per sample, what the last training forward dropped (head or token indices). */
  lastDropped: number[][] = [];
  readonly cfg: HeadDropOutArgs;
  readonly rng: Rng;
  constructor(args: HeadDropOutArgs) {
    super();
    this.cfg = args;
    this.rng = args.rng;
  }

  forward(qkv: tf.Tensor): tf.Tensor {
    const [b, n, , heads] = qkv.shape;
    this.lastDropped = [];
    if (!this.training || this.cfg.p <= 0 || this.cfg.upper <= 0) return qkv;
    const axisLen = this.cfg.literalTokenDrop ? n : heads;
    const mask = new Float32Array(b * axisLen).fill(1);
    let any = false;
    for (let i = 0; i < b; i++) {
      const dropped: number[] = [];
      if (this.rng.random() <= this.cfg.p) {
        const k = this.rng.randint(1, this.cfg.upper);
        // indices come from range(heads) in both modes, as in the official code
        for (let t = 0; t < k; t++) dropped.push(this.rng.randint(0, Math.min(heads, axisLen) - 1));
        for (const d of dropped) mask[i * axisLen + d] = 0;
        any = true;
      }
      this.lastDropped.push([...new Set(dropped)].sort((x, y) => x - y));
    }
    if (!any) return qkv;
    const shape = this.cfg.literalTokenDrop ? [b, n, 1, 1, 1] : [b, 1, 1, heads, 1];
    return tf.tidy(() => tf.mul(qkv, tf.tensor(mask, shape)));
  }
}

/** Arguments of {@link MSADAttention}: timm attention's and MSAD's. */
export interface MSADAttentionArgs extends AttentionArgs {
  headDrop: HeadDropOutArgs;
}

/** timm attention whose projected qkv goes through MSAD first. */
export class MSADAttention extends Attention {
  readonly head_drop: HeadDropOut;
  constructor(args: MSADAttentionArgs) {
    super(args);
    this.head_drop = this.registerModule('head_drop', new HeadDropOut(args.headDrop));
  }

  protected override maskQkv(qkv: tf.Tensor): tf.Tensor {
    const [b, n] = qkv.shape;
    return this.head_drop.forward(qkv.reshape([b, n, 3, this.numHeads, this.headDim])).reshape(qkv.shape);
  }
}

/** Arguments of {@link MSADBlock}: the timm block's (its attention is an {@link MSADAttention}) and MSAD's. */
export interface MSADBlockArgs extends Omit<BlockArgs, 'attnLayer'> {
  headDrop: HeadDropOutArgs;
}

/** The timm block with MSAD attention (the official `Block`). */
export class MSADBlock extends Block<MSADAttention> {
  constructor(args: MSADBlockArgs) {
    super({ ...args, attnLayer: (a) => new MSADAttention({ ...a, headDrop: args.headDrop }) });
  }
}

// ---------------------------------------------------------------- model

export const MSADViTArgs = Type.Object(
  {
    ...vitBlockProperties,
    pos_drop_rate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
      default: null,
      description: 'Dropout after the position embedding; null: drop_rate, as the official VisionTransformer.',
    }),
    head_drop_rate: Type.Number({ minimum: 0, maximum: 1, default: 0.3, description: 'MSAD: probability that a sample drops (training only).' }),
    head_drop_upper: Type.Integer({ minimum: 0, default: 1, description: 'MSAD: a dropping sample drops k ~ randint(1, upper) heads.' }),
    literal_token_drop: Type.Boolean({
      default: false,
      description: "false: drop whole heads (the paper); true: reproduce the official code, which zeroes the TOKEN with the drawn index.",
    }),
    seed: Type.Integer({ default: 0, description: 'Seed of the MSAD draws.' }),
    pretrained: Type.Union([Type.String(), Type.Null()], { default: null, description: 'timm ViT state_dict (blocks/norm/cls_token/pos_embed).' }),
  },
  { additionalProperties: false, description: 'ViT over CNN tokens with multi-head self-attention dropping (TransFER).' },
);
export type MSADViTArgs = Static<typeof MSADViTArgs>;

export class MSADViT extends Module {
  readonly args: MSADViTArgs;
  readonly cls_token: tf.Variable;
  readonly pos_embed: tf.Variable;
  readonly pos_drop: Dropout;
  readonly blocks: ModuleList<MSADBlock>;
  readonly norm: LayerNorm;
  readonly rng: Rng;
  private readonly ctx?: BuildContext;

  constructor(rawArgs: Partial<MSADViTArgs> = {}, ctx?: BuildContext) {
    super();
    const a = withDefaults(MSADViTArgs, rawArgs);
    this.args = a;
    this.ctx = ctx;
    const d = a.embed_dim;
    const blockArgs = vitBlockArgs(a, ctx?.path ?? 'MSADViT');
    this.rng = new Rng([a.seed, 0x5ad]);
    const headDrop: HeadDropOutArgs = { p: a.head_drop_rate, upper: a.head_drop_upper, literalTokenDrop: a.literal_token_drop, rng: this.rng };
    this.cls_token = this.registerParameter('cls_token', truncNormal([1, 1, d], 0.02));
    this.pos_embed = this.registerParameter('pos_embed', truncNormal([1, a.patch_num + 1, d], 0.02));
    this.pos_drop = this.registerModule('pos_drop', new Dropout({ p: posDropRate(a.pos_drop_rate, a.drop_rate) }));
    this.blocks = this.registerModule('blocks', new ModuleList({ modules: blockArgs.map((b) => new MSADBlock({ ...b, headDrop })) }));
    this.norm = this.registerModule('norm', new LayerNorm({ normalizedShape: d, eps: a.norm_layer_eps }));
    // the tokens were drawn above, as the official VisionTransformer does
    timmInitWeights(this);
  }

  /** Loads `pretrained` (timm ViT-S format), non-strictly, logging the key report. */
  async initWeights(): Promise<void> {
    const file = this.args.pretrained;
    if (!file) return;
    const where = `${this.ctx?.path ?? 'vit'}.pretrained`;
    const report = this.loadStateDict(timmToMSAD(readPretrainedFile(file, where), this.args.patch_num), { strict: false });
    logInfo(this.ctx, `${where}: loaded ${file} (timm ViT)`);
    const text = formatLoadReport(report);
    if (text) logWarn(this.ctx, text);
  }

  /** tokens [B, patch_num, D] → CLS features [B, D]. */
  forward(tokens: tf.Tensor): tf.Tensor2D {
    const [b, n, d] = tokens.shape;
    if (n !== this.args.patch_num) throw new Error(`${this.ctx?.path ?? 'MSADViT'}: got ${n} tokens but patch_num is ${this.args.patch_num}`);
    return tf.tidy(() => {
      const cls = tf.tile(this.cls_token, [b, 1, 1]);
      let z = this.pos_drop.forward(tf.add(tf.concat([cls, tokens], 1), this.pos_embed));
      for (const blk of this.blocks) z = blk.forward(z);
      z = this.norm.forward(z);
      return tf.slice(z, [0, 0, 0], [b, 1, d]).reshape([b, d]) as tf.Tensor2D;
    });
  }
}

/**
 * timm ViT keys map one to one except the position embedding: the APViT remap
 * splits it (and resizes the patch grid to patch_num); here the two parts are
 * joined again into `pos_embed` [1, patch_num + 1, D].
 */
export function timmToMSAD(raw: Map<string, TensorData>, patchNum: number): Map<string, TensorData> {
  const sd = remapTimmVit(raw, patchNum);
  const cls = sd.get('cls_pos_embed');
  const patch = sd.get('patch_pos_embed');
  sd.delete('cls_pos_embed');
  sd.delete('patch_pos_embed');
  if (cls && patch) {
    const d = cls.shape[2];
    const joined = new Float32Array((patchNum + 1) * d);
    joined.set(toFloat32(cls), 0);
    joined.set(toFloat32(patch), d);
    sd.set('pos_embed', fromFloat32(joined, [1, patchNum + 1, d]));
  }
  return sd;
}

MODELS.register({ name: 'MSADViT', schema: MSADViTArgs, role: 'backbone', description: 'TransFER ViT with multi-head self-attention dropping' })(MSADViT);
