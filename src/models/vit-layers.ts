/**
 * timm-style ViT layers shared by ViT backbones (timm `vision_transformer.py`):
 * `Mlp`, multi-head self-attention and the pre-norm transformer `Block`, with
 * timm's parameter names (`qkv`, `proj`, `fc1`, `fc2`, `norm1`, `attn`, ...), so
 * timm state_dicts load key for key. Tokens are [B, N, D].
 */
import { tf } from '../tf';
import { Module } from '../nn/module';
import { LayerNorm } from '../nn/layers/norm';
import { GELU } from '../nn/layers/activation';
import { Linear } from '../nn/layers/linear';
import { Dropout, DropPath, Identity } from '../nn/layers/dropout';
import { scaleBy } from '../nn/functional/scale';
import { attentionCore } from '../nn/functional/attention';

/** timm's stochastic-depth rule, `torch.linspace(0, rate, depth)`: block i drops its residual branches with rate·i/(depth-1). */
export function stochasticDepthRates(rate: number, depth: number): number[] {
  return Array.from({ length: depth }, (_, i) => (depth > 1 ? (rate * i) / (depth - 1) : 0));
}

/** The position-embedding dropout of a ViT: `pos_drop_rate` when given, else the model's own default. */
export function posDropRate(posDropRate: number | null | undefined, fallback: number): number {
  return posDropRate === null || posDropRate === undefined ? fallback : posDropRate;
}

/** Arguments of {@link Mlp} (timm's `Mlp`, camel-cased). */
export interface MlpArgs {
  /** Size of the token axis in and out. */
  inFeatures: number;
  /** Width of the hidden layer. */
  hiddenFeatures: number;
  /** Dropout after the activation and after fc2 (default 0). */
  drop?: number;
}

/** timm Mlp: fc1 → GELU → drop → fc2 → drop; [..., D] → [..., D]. */
export class Mlp extends Module {
  readonly fc1: Linear;
  readonly act: GELU;
  readonly fc2: Linear;
  readonly drop: Dropout;
  constructor(args: MlpArgs) {
    super();
    const { inFeatures, hiddenFeatures } = args;
    this.fc1 = this.registerModule('fc1', new Linear({ inFeatures, outFeatures: hiddenFeatures }));
    this.act = this.registerModule('act', new GELU());
    this.fc2 = this.registerModule('fc2', new Linear({ inFeatures: hiddenFeatures, outFeatures: inFeatures }));
    this.drop = this.registerModule('drop', new Dropout({ p: args.drop ?? 0 }));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return this.forwardAfter(x);
  }

  /**
   * mlp(norm(x)), or mlp(x) without a norm. In training (without an active
   * dropout between them) fc1 and fc2 keep the tensors before the norm and
   * the GELU for the backward rather than their own inputs (`Linear.forwardAfter`).
   */
  forwardAfter(x: tf.Tensor, norm?: LayerNorm): tf.Tensor {
    return tf.tidy(() => {
      const recompute = this.training && !(this.drop.training && this.drop.p > 0);
      if (!recompute) return this.drop.forward(this.fc2.forward(this.drop.forward(this.act.forward(this.fc1.forward(norm ? norm.forward(x) : x)))));
      const h = norm ? this.fc1.forwardAfter(x, norm) : this.fc1.forward(x);
      return this.fc2.forwardAfter(h, this.act);
    });
  }
}

/** Settings of {@link Attention} besides its size (timm's argument names, camel-cased). */
export interface AttentionOptions {
  /** Adds a bias to the qkv projection (default false). */
  qkvBias?: boolean;
  /** Logit scale; null or absent: head_dim^-0.5. */
  qkScale?: number | null;
  /** Dropout on the attention weights (default 0). */
  attnDrop?: number;
  /** Dropout after the output projection (default 0). */
  projDrop?: number;
}

/** Arguments of {@link Attention} (timm `Attention(dim, num_heads, ...)`). */
export interface AttentionArgs extends AttentionOptions {
  /** Token width D. */
  dim: number;
  /** Heads; must divide dim. */
  numHeads: number;
}

/**
 * timm multi-head self-attention, x [B,N,D] → [B,N,D]. Subclasses may change
 * the projected qkv ({@link maskQkv}) or read the pre-softmax logits
 * ({@link attend}'s `onLogits`), e.g. to rank tokens.
 */
export class Attention extends Module {
  readonly qkv: Linear;
  readonly attn_drop: Dropout;
  readonly proj: Linear;
  readonly proj_drop: Dropout;
  readonly scale: number;
  readonly headDim: number;
  readonly dim: number;
  readonly numHeads: number;
  constructor(args: AttentionArgs) {
    super();
    const { dim, numHeads } = args;
    if (dim % numHeads) throw new Error(`Attention: embed_dim ${dim} is not divisible by num_heads ${numHeads}`);
    this.dim = dim;
    this.numHeads = numHeads;
    this.headDim = dim / numHeads;
    this.scale = args.qkScale ?? this.headDim ** -0.5;
    this.qkv = this.registerModule('qkv', new Linear({ inFeatures: dim, outFeatures: dim * 3, bias: args.qkvBias ?? false }));
    this.attn_drop = this.registerModule('attn_drop', new Dropout({ p: args.attnDrop ?? 0 }));
    this.proj = this.registerModule('proj', new Linear({ inFeatures: dim, outFeatures: dim }));
    this.proj_drop = this.registerModule('proj_drop', new Dropout({ p: args.projDrop ?? 0 }));
  }

  /** Hook on the projected qkv [B, N, 3·heads, head_dim] before attention (identity here). */
  protected maskQkv(qkv: tf.Tensor): tf.Tensor {
    return qkv;
  }

  /**
   * The attention output [B,N,D]. `onLogits` sees the scaled pre-softmax
   * logits [B,H,N,N] inside the same tidy scope (use tf.keep for anything it
   * must keep).
   */
  protected attend(x: tf.Tensor, onLogits?: (logits: tf.Tensor) => void, norm?: LayerNorm): tf.Tensor {
    const [b, n, d] = x.shape;
    return tf.tidy(() => {
      // in training the qkv projection keeps x, not norm(x), for its backward (`Linear.forwardAfter`)
      const projected = norm && this.training ? this.qkv.forwardAfter(x, norm) : this.qkv.forward(norm ? norm.forward(x) : x);
      // [B,N,3H,hd] -> [B,3H,N,hd] (a 4-D transpose: wasm's 5-D one is ~25x slower), then q | k | v
      const qkv = this.maskQkv(projected.reshape([b, n, 3 * this.numHeads, this.headDim])).transpose([0, 2, 1, 3]);
      const [q, k, v] = tf.split(qkv, 3, 1);
      let out: tf.Tensor;
      if (this.attn_drop.training && this.attn_drop.p > 0) {
        // a dropout mask on the weights cannot be recomputed: the separate ops keep the weights
        const logits = scaleBy(tf.matMul(q, k, false, true), this.scale); // [B,H,N,N]; keeps no unscaled copy for the gradient
        onLogits?.(logits);
        out = tf.matMul(this.attn_drop.forward(tf.softmax(logits, -1)), v);
      } else out = attentionCore(q, k, v, this.scale, onLogits);
      const o = out.transpose([0, 2, 1, 3]).reshape([b, n, d]);
      return this.proj_drop.forward(this.proj.forward(o));
    });
  }

  forward(x: tf.Tensor): tf.Tensor {
    return this.attend(x);
  }

  /** attn(norm(x)); in training the qkv projection keeps x rather than norm(x) for the backward. */
  forwardAfter(x: tf.Tensor, norm: LayerNorm): tf.Tensor {
    return this.attend(x, undefined, norm);
  }
}

/** Settings of {@link Block} besides its size and attention layer. */
export interface BlockOptions extends Omit<AttentionOptions, 'projDrop'> {
  /** MLP width as a multiple of dim (default 4). */
  mlpRatio?: number;
  /** Dropout after the MLP and the attention projection (default 0). */
  drop?: number;
  /** Stochastic-depth rate of both residual branches (default 0). */
  dropPath?: number;
  /** LayerNorm eps (default 1e-6). */
  normEps?: number;
}

/** Builds a block's attention layer from the block's settings (timm's `attn_layer`). */
export type AttentionLayer<A extends Attention = Attention> = (args: AttentionArgs) => A;

/** Arguments of {@link Block} (timm `Block(dim, num_heads, ...)`). */
export interface BlockArgs<A extends Attention = Attention> extends BlockOptions {
  /** Token width D. */
  dim: number;
  /** Attention heads; must divide dim. */
  numHeads: number;
  /** The attention layer (default: {@link Attention}); it gets dim, numHeads, the qkv settings and `projDrop: drop`. */
  attnLayer?: AttentionLayer<A>;
}

/**
 * timm pre-norm transformer block: x + drop_path(attn(norm1 x)); x +
 * drop_path(mlp(norm2 x)). `attnLayer` swaps in an Attention subclass.
 */
export class Block<A extends Attention = Attention> extends Module {
  readonly norm1: LayerNorm;
  readonly attn: A;
  readonly drop_path: DropPath | Identity;
  readonly norm2: LayerNorm;
  readonly mlp: Mlp;
  constructor(args: BlockArgs<A>) {
    super();
    const { dim, numHeads } = args;
    const eps = args.normEps ?? 1e-6;
    const drop = args.drop ?? 0;
    const attnArgs: AttentionArgs = { dim, numHeads, qkvBias: args.qkvBias, qkScale: args.qkScale, attnDrop: args.attnDrop, projDrop: drop };
    this.norm1 = this.registerModule('norm1', new LayerNorm({ normalizedShape: dim, eps }));
    // without attnLayer, A is its default, Attention
    this.attn = this.registerModule('attn', args.attnLayer ? args.attnLayer(attnArgs) : (new Attention(attnArgs) as A));
    const dp = args.dropPath ?? 0;
    this.drop_path = this.registerModule('drop_path', dp > 0 ? new DropPath({ p: dp }) : new Identity());
    this.norm2 = this.registerModule('norm2', new LayerNorm({ normalizedShape: dim, eps }));
    this.mlp = this.registerModule('mlp', new Mlp({ inFeatures: dim, hiddenFeatures: Math.trunc(dim * (args.mlpRatio ?? 4)), drop }));
  }

  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.mlpResidual(tf.add(x, this.drop_path.forward(this.attn.forwardAfter(x, this.norm1)))));
  }

  /** y + drop_path(mlp(norm2 y)), the block's second residual branch. */
  protected mlpResidual(y: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(y, this.drop_path.forward(this.mlp.forwardAfter(y, this.norm2))));
  }
}
