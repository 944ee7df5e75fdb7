/**
 * TransFER classifier (official `AttentionVitClassifier`): extractor (IR CNN)
 * → attention (MultiLANet) → convert (MaxHybridFlatten: MAD, max fusion,
 * projection) → vit (MSADViT) → head. Children use the official names, so
 * state_dict keys are `extractor.*`, `attention.las.K.LA_conv1.weight`,
 * `convert.proj.*`, `vit.*`, `head.fc.*`.
 */
import { Type, type Static } from '@sinclair/typebox';
import { tf } from '../../src/tf';
import { MODELS } from '../../src/registry/root';
import type { BuildContext } from '../../src/registry/registry';
import { Component } from '../../src/registry/schema';
import { Module } from '../../src/nn/module';
import type { IRSE } from '../apvit/irse';
import type { LinearClsHead } from '../apvit/linear-head';
import { withDefaults } from '../apvit/common';
import type { MultiLANet } from './lanet';
import type { MaxHybridFlatten } from './max-hybrid-flatten';
import type { MSADViT } from './msad-vit';

export const TransFERArgs = Type.Object(
  {
    extractor: Component<IRSE>(MODELS, { role: 'backbone', description: 'IR CNN returning one NHWC map (IRSE, return_index [2]).' }),
    attention: Component<MultiLANet>(MODELS, { role: 'neck', description: 'Local CNNs producing the attention maps (MultiLANet).' }),
    convert: Component<MaxHybridFlatten>(MODELS, { role: 'neck', description: 'MAD + max fusion + projection to tokens (MaxHybridFlatten).' }),
    vit: Component<MSADViT>(MODELS, { role: 'backbone', description: 'Transformer with MSAD (MSADViT).' }),
    head: Component<LinearClsHead>(MODELS, { role: 'head', description: 'Classification head (LinearClsHead).' }),
  },
  { additionalProperties: false, description: 'TransFER: IR CNN → local CNNs with MAD → MSAD transformer → linear head.' },
);
export type TransFERArgs = Static<typeof TransFERArgs>;

export class TransFER extends Module {
  readonly extractor: IRSE;
  readonly attention: MultiLANet;
  readonly convert: MaxHybridFlatten;
  readonly vit: MSADViT;
  readonly head: LinearClsHead;
  CLASSES?: string[];

  constructor(rawArgs: TransFERArgs, ctx?: BuildContext) {
    super();
    const a = withDefaults(TransFERArgs, rawArgs);
    const where = ctx?.path ?? 'model';
    for (const k of ['extractor', 'attention', 'convert', 'vit', 'head'] as const) {
      if (!(a[k] instanceof Module)) throw new Error(`${where}.${k}: expected a built model component, got ${JSON.stringify(a[k])}`);
    }
    this.extractor = this.registerModule('extractor', a.extractor);
    this.attention = this.registerModule('attention', a.attention);
    this.convert = this.registerModule('convert', a.convert);
    this.vit = this.registerModule('vit', a.vit);
    this.head = this.registerModule('head', a.head);
  }

  /** CLS features [B, D], the attention maps and the diversity loss. */
  extractFeat(img: tf.Tensor4D): { x: tf.Tensor2D; maps: tf.Tensor[]; divLoss: tf.Scalar } {
    const feats = this.extractor.forward(img);
    const f = Array.isArray(feats) ? feats[feats.length - 1] : (feats as tf.Tensor);
    const { maps, loss } = this.attention.forward(f);
    const { tokens } = this.convert.forward(f, maps);
    return { x: this.vit.forward(tokens), maps, divLoss: loss };
  }

  /** `{ ce_loss, LADiv_loss, 'accuracy.top-k' }` (keys containing 'loss' are summed by the runner). */
  forwardTrain(img: tf.Tensor4D, gtLabel: tf.Tensor1D): Record<string, tf.Scalar> {
    return tf.tidy(() => {
      const { x, divLoss } = this.extractFeat(img);
      return { ...this.head.forwardTrain(x, gtLabel), LADiv_loss: divLoss };
    });
  }

  /** Softmax scores [B, num_classes]; no dropping in eval. */
  simpleTest(img: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.head.simpleTest(this.extractFeat(img).x));
  }

  /** Loads the IR-50 (face.evoLVe) and ViT-S (timm) `pretrained` files, as APViT does. */
  async initWeights(): Promise<void> {
    await this.extractor.initWeights();
    await this.vit.initWeights();
  }
}

MODELS.register({ name: 'TransFER', aliases: ['AttentionVitClassifier'], schema: TransFERArgs, role: 'classifier', description: 'TransFER (ICCV 2021) facial expression classifier' })(TransFER);
