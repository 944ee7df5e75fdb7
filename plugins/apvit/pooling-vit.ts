/**
 * PoolingViT (APViT's `mmcls/models/vit/vit_siam_merge.py`, blocks from
 * `backbones/modules/vit_pooling.py`): a ViT over CNN feature tokens with
 * Attentive Patch Pooling (APP, on the projected map, before the blocks) and
 * Attentive Token Pooling (ATP, inside blocks, ranked by the CLS query's
 * pre-softmax logits). Blocks first, then the model, then its registration.
 * Spec §3; parameter names follow the official state_dict (`vit.*`).
 */
import { Type, type Static, tf, Module, Conv2d, LayerNorm, Dropout, MaxPool2d, ModuleList, logWarn, withDefaults, Attention, Block, posDropRate, timmInitWeights, vitBlockArgs, vitBlockProperties, type BlockArgs, type BuildContext } from 'fer-mm';
import { MODELS } from './scope';
import { gatherTokens, KeptIndices, keepCount, topPoolIndicesTensor, type TopPoolConfig } from './top-pool';
import { loadPretrainedInto } from './weights';

// ---------------------------------------------------------------- blocks

/**
 * timm attention that also ranks tokens for ATP: score_j is the CLS query's
 * pre-softmax logit for key j, summed over heads ('SUM').
 */
export class PoolingAttention extends Attention {
  /**
   * x [B,N,D] → attn(norm(x)) [B,N,D] and the ATP kept indices [B,K] on the
   * device (null when this block does not pool); in training the qkv
   * projection keeps x rather than norm(x) for the backward.
   */
  forwardWithKeep(x: tf.Tensor, norm: LayerNorm, pool: TopPoolConfig | null): { out: tf.Tensor; keep: tf.Tensor2D | null } {
    const [b, n] = x.shape;
    const res: { keep: tf.Tensor2D | null } = { keep: null };
    const pooling = pool !== null && keepCount(pool.excludeFirst ? n - 1 : n, pool) !== null;
    const rank = (logits: tf.Tensor) => {
      // the CLS query's logits summed over heads; TopK stays off the tape (no gradient flows into indices)
      const scores = tf.sum(tf.slice(logits, [0, 0, 0, 0], [b, this.numHeads, 1, n]), [1, 2]) as tf.Tensor2D;
      res.keep = tf.keep(topPoolIndicesTensor(scores, pool!)!);
    };
    const out = this.attend(x, pooling ? rank : undefined, norm);
    return { out, keep: res.keep };
  }
}

/** Arguments of {@link PoolingBlock}: the timm block's (its attention is a {@link PoolingAttention}) and the ATP setting. */
export interface PoolingBlockArgs extends Omit<BlockArgs, 'attnLayer'> {
  /** ATP of this block; null: it keeps every token. */
  pool: TopPoolConfig | null;
}

/** x + attn(LN1 x); ATP row selection (after the attention residual, before the MLP); x + mlp(LN2 x). */
export class PoolingBlock extends Block<PoolingAttention> {
  readonly pool: TopPoolConfig | null;
  private readonly kept = new KeptIndices();

  /** Kept token indices per sample of the last forward (null: no pooling); read from the device on access. */
  get lastKeep(): number[][] | null {
    return this.kept.get();
  }

  protected override releaseDerived(): void {
    this.kept.dispose();
  }

  constructor(args: PoolingBlockArgs) {
    super({ ...args, attnLayer: (a) => new PoolingAttention(a) });
    this.pool = args.pool;
  }

  override forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { out, keep } = this.attn.forwardWithKeep(x, this.norm1, this.pool);
      let y = tf.add(x, this.drop_path.forward(out));
      // Always pool: the official guard `len(keep) != x.shape[1]` compares the batch size with
      // the token count and silently skips pooling when they are equal (spec §3.4).
      if (keep) y = gatherTokens(y, keep);
      this.kept.set(keep);
      return this.mlpResidual(y);
    });
  }
}

// ---------------------------------------------------------------- model

const CnnPoolConfig = Type.Object(
  {
    keep_num: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()], { description: 'Tokens kept by APP.' })),
    keep_rate: Type.Optional(Type.Union([Type.Number({ exclusiveMinimum: 0, maximum: 1 }), Type.Null()], { description: 'Used when keep_num is absent.' })),
    exclude_first: Type.Boolean({ default: false, description: 'Exclude position 0 from ranking (no CLS token at this point: keep false).' }),
  },
  { additionalProperties: false },
);

const VitPoolConfigs = Type.Object(
  {
    keep_rates: Type.Array(Type.Number({ exclusiveMinimum: 0, maximum: 1 }), { description: 'One keep rate per block (1 = no pooling).' }),
    exclude_first: Type.Boolean({ default: true, description: 'Never rank/drop the CLS token.' }),
    attn_method: Type.Literal('SUM', { default: 'SUM', description: "ATP score: CLS-query pre-softmax logits summed over heads." }),
  },
  { additionalProperties: false },
);

export const PoolingViTArgs = Type.Object(
  {
    img_size: Type.Optional(Type.Unknown({ description: 'Accepted and ignored (the official code prints "Unused kwargs").' })),
    patch_size: Type.Optional(Type.Unknown({ description: 'Accepted and ignored (the official code prints "Unused kwargs").' })),
    ...vitBlockProperties,
    pos_drop_rate: Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.Null()], {
      default: null,
      description: 'Dropout on the tokens after the position embedding; null: off (the official PoolingViT defines pos_drop but never applies it).',
    }),
    input_type: Type.Literal('feature', { default: 'feature', description: 'Tokens come from a CNN feature map.' }),
    in_channels: Type.Array(Type.Integer({ minimum: 1 }), { minItems: 1, maxItems: 1, default: [256], description: 'Channels of the (single) CNN map.' }),
    attn_method: Type.Union([Type.Literal('SUM_ABS_1'), Type.Literal('SUM')], {
      default: 'SUM_ABS_1',
      description: "APP score over the projected map: 'SUM_ABS_1' = Σ_c |x_c| (L1), 'SUM' = Σ_c x_c.",
    }),
    sum_batch_mean: Type.Literal(false, { default: false, description: 'Only false is implemented (as in the APViT config).' }),
    cnn_pool_config: Type.Union([CnnPoolConfig, Type.Null()], { default: null, description: 'APP settings; null: no APP.' }),
    vit_pool_configs: Type.Union([VitPoolConfigs, Type.Null()], { default: null, description: 'ATP settings; null: no ATP.' }),
    freeze: Type.Literal(false, { default: false, description: 'Only false is implemented.' }),
    multi_head_fusion: Type.Literal(false, { default: false, description: 'Only false is implemented.' }),
    pretrained: Type.Union([Type.String(), Type.Null()], { default: null, description: 'timm ViT state_dict loaded by initWeights() (pos_embed split/resized).' }),
  },
  { additionalProperties: false, description: 'ViT over CNN feature tokens with attentive patch and token pooling (APViT).' },
);
export type PoolingViTArgs = Static<typeof PoolingViTArgs>;

/** What the last forward kept: APP indices and the ATP indices of every block (null: not pooled). */
export interface PoolingTrace {
  app: number[][] | null;
  atp: Array<number[][] | null>;
}

export class PoolingViT extends Module {
  readonly args: PoolingViTArgs;
  readonly cls_token: tf.Variable;
  readonly patch_pos_embed: tf.Variable;
  readonly cls_pos_embed: tf.Variable;
  readonly projs: ModuleList<Conv2d>;
  readonly pos_drop: Dropout;
  readonly blocks: ModuleList<PoolingBlock>;
  readonly norm: LayerNorm;
  readonly s2_pooling: MaxPool2d;
  readonly appConfig: TopPoolConfig | null;
  private readonly ctx?: BuildContext;
  private readonly appKept = new KeptIndices();

  /** What the last forward kept (read back from the device on access: for tests and tools/vis-tokens.ts). */
  get lastTrace(): PoolingTrace {
    return { app: this.appKept.get(), atp: [...this.blocks].map((blk) => blk.lastKeep) };
  }

  protected override releaseDerived(): void {
    this.appKept.dispose();
  }

  constructor(rawArgs: Partial<PoolingViTArgs>, ctx?: BuildContext) {
    super();
    const a = withDefaults(PoolingViTArgs, rawArgs);
    this.args = a;
    this.ctx = ctx;
    const where = ctx?.path ?? 'PoolingViT';
    const unused = (['img_size', 'patch_size'] as const).filter((k) => a[k] !== undefined);
    if (unused.length) logWarn(ctx, `${where}: Unused kwargs: ${unused.join(', ')} (PoolingViT takes tokens from the CNN map)`);
    const d = a.embed_dim;
    const blockArgs = vitBlockArgs(a, where);
    const vp = a.vit_pool_configs;
    if (vp && vp.keep_rates.length !== a.depth) {
      throw new Error(`${where}.vit_pool_configs.keep_rates: needs one rate per block (${a.depth}), got ${vp.keep_rates.length}`);
    }
    const cp = a.cnn_pool_config;
    if (cp && (cp.keep_num === undefined || cp.keep_num === null) && (cp.keep_rate === undefined || cp.keep_rate === null)) {
      throw new Error(`${where}.cnn_pool_config: needs keep_num or keep_rate`);
    }
    if (cp?.keep_num && cp.keep_num > a.patch_num) throw new Error(`${where}.cnn_pool_config.keep_num: ${cp.keep_num} > patch_num ${a.patch_num}`);
    this.appConfig = cp ? { keepNum: cp.keep_num, keepRate: cp.keep_rate, excludeFirst: cp.exclude_first } : null;

    this.cls_token = this.registerParameter('cls_token', tf.zeros([1, 1, d]));
    this.patch_pos_embed = this.registerParameter('patch_pos_embed', tf.zeros([1, a.patch_num, d]));
    this.cls_pos_embed = this.registerParameter('cls_pos_embed', tf.zeros([1, 1, d]));
    const projs = a.in_channels.map((c) => new Conv2d({ inChannels: c, outChannels: d, kernelSize: 1, bias: true }));
    this.projs = this.registerModule('projs', new ModuleList({ modules: projs }));
    // the official module uses drop_rate but never applies it; here it applies only when pos_drop_rate is set
    this.pos_drop = this.registerModule('pos_drop', new Dropout({ p: posDropRate(a.pos_drop_rate, 0) }));
    const pool = (i: number) => (vp ? { keepRate: vp.keep_rates[i], excludeFirst: vp.exclude_first } : null);
    this.blocks = this.registerModule('blocks', new ModuleList({ modules: blockArgs.map((b, i) => new PoolingBlock({ ...b, pool: pool(i) })) }));
    this.norm = this.registerModule('norm', new LayerNorm({ normalizedShape: d, eps: a.norm_layer_eps }));
    this.s2_pooling = this.registerModule('s2_pooling', new MaxPool2d({ kernelSize: 2 })); // unused for a single-stage input
    // timm `_init_weights` without a pretrained file; projs keep the torch Conv2d default
    if (!a.pretrained) timmInitWeights(this, [this.cls_token, this.patch_pos_embed, this.cls_pos_embed]);
  }

  /** feats: the backbone's tuple (one NHWC map [B,h,w,in_channels[0]]) → CLS features [B, embed_dim]. */
  forward(feats: tf.Tensor[] | tf.Tensor): tf.Tensor2D {
    const list = Array.isArray(feats) ? feats : [feats];
    const where = this.ctx?.path ?? 'PoolingViT';
    if (list.length !== 1) throw new Error(`${where}: expects exactly one feature map, got ${list.length}`);
    const feat = list[0];
    const [b, h, w] = feat.shape;
    const n = h * w;
    if (n !== this.args.patch_num) throw new Error(`${where}: feature map ${h}x${w} gives ${n} tokens but patch_num is ${this.args.patch_num}`);
    const d = this.args.embed_dim;
    const out = tf.tidy(() => {
      const t = this.projs.at(0).forward(feat); // [B,h,w,D]
      let tok = tf.add(t.reshape([b, n, d]), this.patch_pos_embed); // pos-embed before the selection
      if (this.appConfig && keepCount(this.appConfig.excludeFirst ? n - 1 : n, this.appConfig) !== null) {
        // APP score from the projected map, before the position embedding
        const scores = tf.reshape(this.args.attn_method === 'SUM_ABS_1' ? tf.sum(tf.abs(t), -1) : tf.sum(t, -1), [b, n]) as tf.Tensor2D;
        const idx = topPoolIndicesTensor(scores, this.appConfig);
        if (idx) tok = gatherTokens(tok, idx);
        this.appKept.set(idx);
      } else {
        this.appKept.set(null);
      }
      const cls = tf.tile(tf.add(this.cls_token, this.cls_pos_embed), [b, 1, 1]);
      let z = this.pos_drop.forward(tf.concat([cls, tok], 1));
      for (const blk of this.blocks) z = blk.forward(z);
      z = this.norm.forward(z);
      return tf.slice(z, [0, 0, 0], [b, 1, d]).reshape([b, d]) as tf.Tensor2D;
    });
    return out;
  }

  /** Loads `pretrained` (timm ViT format: pos_embed split into cls/patch parts and resized to patch_num). */
  async initWeights(): Promise<void> {
    if (this.args.pretrained) await loadPretrainedInto(this, this.args.pretrained, 'timm-vit', this.ctx, { patchNum: this.args.patch_num });
  }
}

MODELS.register({ name: 'PoolingViT', schema: PoolingViTArgs, role: 'backbone', description: 'APViT ViT with attentive patch/token pooling over CNN features' })(PoolingViT);
