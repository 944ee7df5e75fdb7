/**
 * TransFER classifier (official `AttentionVitClassifier`): extractor (IR CNN)
 * → attention (MultiLANet) → convert (MaxHybridFlatten: MAD, max fusion,
 * projection) → vit (MSADViT) → head. Children use the official names, so
 * state_dict keys are `extractor.*`, `attention.las.K.LA_conv1.weight`,
 * `convert.proj.*`, `vit.*`, `head.fc.*`.
 */
import { Type, type Static, tf, Component, DataPreprocessorProp, ImageClassifier, Module, withDefaults, type BuildContext, type LinearClsHead } from 'fer-mm';
import { MODELS } from './scope';
import type { IRSE } from '@fer-mm/apvit';
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
    ...DataPreprocessorProp,
  },
  { additionalProperties: false, description: 'TransFER: IR CNN → local CNNs with MAD → MSAD transformer → linear head.' },
);
export type TransFERArgs = Static<typeof TransFERArgs>;

export class TransFER extends ImageClassifier {
  readonly extractor: IRSE;
  readonly attention: MultiLANet;
  readonly convert: MaxHybridFlatten;
  readonly vit: MSADViT;
  override readonly head: LinearClsHead;

  constructor(rawArgs: TransFERArgs, ctx?: BuildContext) {
    const a = withDefaults(TransFERArgs, rawArgs);
    const where = ctx?.path ?? 'model';
    for (const k of ['extractor', 'attention', 'convert', 'vit', 'head'] as const) {
      if (!(a[k] instanceof Module)) throw new Error(`${where}.${k}: expected a built model component, got ${JSON.stringify(a[k])}`);
    }
    // an ImageClassifier whose backbone is `extractor`; the head is registered last to keep the official key order
    super({ backbone: a.extractor, data_preprocessor: a.data_preprocessor }, ctx, { backbone: 'extractor' });
    this.extractor = a.extractor;
    this.attention = this.registerModule('attention', a.attention);
    this.convert = this.registerModule('convert', a.convert);
    this.vit = this.registerModule('vit', a.vit);
    this.head = this.registerModule('head', a.head);
  }

  /** CLS features [B, D], the attention maps and the diversity loss. */
  extractFeatures(img: tf.Tensor4D): { x: tf.Tensor2D; maps: tf.Tensor[]; divLoss: tf.Scalar } {
    const feats = this.extractor.forward(img);
    const f = Array.isArray(feats) ? feats[feats.length - 1] : (feats as tf.Tensor);
    const { maps, loss } = this.attention.forward(f);
    const { tokens } = this.convert.forward(f, maps);
    return { x: this.vit.forward(tokens), maps, divLoss: loss };
  }

  /** CLS features [B, D] (the ImageClassifier contract). */
  override extractFeat(img: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.extractFeatures(img).x);
  }

  /** `{ ce_loss, LADiv_loss, 'accuracy.top-k' }` (keys containing 'loss' are summed by the runner). */
  override forwardTrain(img: tf.Tensor4D, gtLabel: tf.Tensor1D): Record<string, tf.Scalar> {
    return tf.tidy(() => {
      const { x, divLoss } = this.extractFeatures(img);
      return { ...this.head.forwardTrain(x, gtLabel), LADiv_loss: divLoss };
    });
  }

  /** Softmax scores [B, num_classes]; no dropping in eval. */
  override simpleTest(img: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.head.simpleTest(this.extractFeatures(img).x));
  }
}

MODELS.register({ name: 'TransFER', aliases: ['AttentionVitClassifier'], schema: TransFERArgs, role: 'classifier', description: 'TransFER (ICCV 2021) facial expression classifier' })(TransFER);
