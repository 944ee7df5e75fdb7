/**
 * What the ViT backbones over CNN tokens share (APViT's PoolingViT, TransFER's
 * MSAD ViT): the config fields of their transformer blocks, the per-block
 * arguments those fields give, and timm's weight init. The defaults are the
 * first timm ViT-S (`vit_small_patch16_224` before 2021): 768 wide, 8 blocks
 * of 8 heads, MLP ratio 3.
 */
import { Type, type Static, type TObject } from '@sinclair/typebox';
import { tf } from '../tf';
import type { Module } from '../nn/module';
import { Linear } from '../nn/layers/linear';
import { assignInit, truncNormal } from '../nn/init';
import { stochasticDepthRates, type BlockArgs } from './vit-layers';

/** Schema properties of the blocks, for a backbone's `Type.Object({ ...vitBlockProperties, ... })`. */
export const vitBlockProperties = {
  embed_dim: Type.Integer({ minimum: 1, default: 768 }),
  depth: Type.Integer({ minimum: 1, default: 8, description: 'Number of transformer blocks.' }),
  num_heads: Type.Integer({ minimum: 1, default: 8 }),
  mlp_ratio: Type.Number({ exclusiveMinimum: 0, default: 3 }),
  qkv_bias: Type.Boolean({ default: false }),
  qk_scale: Type.Union([Type.Number(), Type.Null()], { default: null, description: 'null: head_dim^-0.5 (96^-0.5 at the defaults).' }),
  drop_rate: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  attn_drop_rate: Type.Number({ minimum: 0, maximum: 1, default: 0 }),
  drop_path_rate: Type.Number({ minimum: 0, maximum: 1, default: 0, description: 'Stochastic depth, linearly increasing over blocks (timm).' }),
  norm_layer_eps: Type.Number({ exclusiveMinimum: 0, default: 1e-6, description: 'LayerNorm eps.' }),
  patch_num: Type.Integer({ minimum: 1, default: 196, description: 'Tokens of the CNN map (H·W); sets the size of the position embedding.' }),
};
/** The block fields of a backbone's (defaulted) args. */
export type VitBlockFields = Static<TObject<typeof vitBlockProperties>>;

/**
 * One {@link BlockArgs} per block from the config fields, with timm's
 * stochastic-depth rule. `where` (the config path) names a bad embed_dim.
 */
export function vitBlockArgs(a: VitBlockFields, where: string): BlockArgs[] {
  if (a.embed_dim % a.num_heads) throw new Error(`${where}.embed_dim: ${a.embed_dim} is not divisible by num_heads ${a.num_heads}`);
  return stochasticDepthRates(a.drop_path_rate, a.depth).map((dropPath) => ({
    dim: a.embed_dim,
    numHeads: a.num_heads,
    mlpRatio: a.mlp_ratio,
    qkvBias: a.qkv_bias,
    qkScale: a.qk_scale,
    drop: a.drop_rate,
    attnDrop: a.attn_drop_rate,
    dropPath,
    normEps: a.norm_layer_eps,
  }));
}

/**
 * timm `_init_weights` when no pretrained file is given: `tokens` (class
 * token, position embeddings) then every Linear weight trunc-normal(0.02),
 * Linear biases zero; LayerNorms keep 1/0 and convs their torch default.
 */
export function timmInitWeights(model: Module, tokens: tf.Variable[] = []): void {
  for (const p of tokens) assignInit(p, truncNormal(p.shape, 0.02));
  for (const [, m] of model.namedModules()) {
    if (m instanceof Linear) {
      assignInit(m.weight, truncNormal(m.weight.shape, 0.02));
      if (m.bias) assignInit(m.bias, tf.zeros(m.bias.shape));
    }
  }
}
