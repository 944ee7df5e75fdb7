/**
 * PoolingVitClassifier (APViT `mmcls/models/classifiers/pool_vit.py`):
 * extractor (IRSE) → vit (PoolingViT) → head (LinearClsHead), an
 * ImageClassifier whose backbone and neck are named extractor and vit. Children are
 * named `extractor`, `vit`, `head`, so state_dict keys match the official
 * checkpoints (`extractor.body.2.13.res_layer.4.running_var`, `head.fc.bias`, ...).
 */
import { Type, type Static, tf, Component, DataPreprocessorProp, ImageClassifier, logWarn, withDefaults, type BuildContext, type LinearClsHead } from 'fer-mm';
import { MODELS } from './scope';
import type { IRSE } from './irse';
import type { PoolingViT } from './pooling-vit';

export const PoolingVitClassifierArgs = Type.Object(
  {
    extractor: Component<IRSE>(MODELS, { role: 'backbone', description: 'CNN returning a tuple of NHWC maps (IRSE).' }),
    convert: Type.Optional(Type.Null({ description: 'Always null in APViT (no converter module).' })),
    vit: Component<PoolingViT>(MODELS, { role: 'backbone', description: 'PoolingViT over the extractor output.' }),
    neck: Type.Optional(Type.Null({ description: 'APViT has no neck.' })),
    head: Component<LinearClsHead>(MODELS, { role: 'head', description: 'Classification head (LinearClsHead).' }),
    pretrained: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'Unused at this level (as in the official code).' })),
    ...DataPreprocessorProp,
  },
  { additionalProperties: false, description: 'APViT classifier: IR CNN → pooling ViT → linear head.' },
);
export type PoolingVitClassifierArgs = Static<typeof PoolingVitClassifierArgs>;

/** Samples labelled 255 are ignored in training (mmcls convention). */
export const IGNORE_LABEL = 255;

export class PoolingVitClassifier extends ImageClassifier {
  readonly extractor: IRSE;
  readonly vit: PoolingViT;
  declare readonly head: LinearClsHead;

  constructor(rawArgs: PoolingVitClassifierArgs, ctx?: BuildContext) {
    const a = withDefaults(PoolingVitClassifierArgs, rawArgs);
    // the ImageClassifier layout under APViT's names: backbone = extractor, neck = vit (map → CLS features)
    super({ backbone: a.extractor, neck: a.vit, head: a.head, data_preprocessor: a.data_preprocessor }, ctx, { backbone: 'extractor', neck: 'vit', head: 'head' });
    if (a.pretrained) logWarn(ctx, `${ctx?.path ?? 'model'}.pretrained: ignored at the classifier level (set extractor/vit pretrained instead)`);
    this.extractor = a.extractor;
    this.vit = a.vit;
  }

  /** CLS features [B, embed_dim] of NHWC images [B,H,W,3]. */
  override extractFeat(img: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.vit.forward(this.extractor.forward(img)));
  }

  /** `{ ce_loss, 'accuracy.top-1' }`; samples labelled {@link IGNORE_LABEL} are left out. */
  override forwardTrain(img: tf.Tensor4D, gtLabel: tf.Tensor1D): Record<string, tf.Scalar> {
    if (img.shape[0] !== gtLabel.shape[0]) throw new Error(`forwardTrain: ${img.shape[0]} images but ${gtLabel.shape[0]} labels`);
    const labels = gtLabel.dataSync();
    const keep: number[] = [];
    labels.forEach((l, i) => {
      if (l !== IGNORE_LABEL) keep.push(i);
    });
    if (keep.length === 0) throw new Error(`forwardTrain: every label in the batch is ${IGNORE_LABEL} (ignored)`);
    return tf.tidy(() => {
      let x: tf.Tensor2D = this.extractFeat(img);
      let y = gtLabel;
      if (keep.length !== labels.length) {
        // row selection as a one-hot matmul: differentiable on every backend
        const sel = new Float32Array(keep.length * labels.length);
        keep.forEach((r, i) => (sel[i * labels.length + r] = 1));
        x = tf.matMul(tf.tensor2d(sel, [keep.length, labels.length]), x);
        y = tf.tensor1d(keep.map((i) => labels[i]), 'int32');
      }
      return this.head.forwardTrain(x, y);
    });
  }
}

MODELS.register({ name: 'PoolingVitClassifier', schema: PoolingVitClassifierArgs, role: 'classifier', description: 'APViT: IR-50 CNN + attentive-pooling ViT + linear head' })(PoolingVitClassifier);
