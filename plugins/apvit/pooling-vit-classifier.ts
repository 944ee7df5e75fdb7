/**
 * PoolingVitClassifier (APViT `mmcls/models/classifiers/pool_vit.py`):
 * extractor (IRSE) → vit (PoolingViT) → head (LinearClsHead). Children are
 * named `extractor`, `vit`, `head`, so state_dict keys match the official
 * checkpoints (`extractor.body.2.13.res_layer.4.running_var`, `head.fc.bias`, ...).
 */
import { Type, type Static } from '@sinclair/typebox';
import { tf } from '../../src/tf';
import { MODELS } from '../../src/registry/root';
import type { BuildContext } from '../../src/registry/registry';
import { Component } from '../../src/registry/schema';
import { Module } from '../../src/nn/module';
import type { Classifier } from '../../src/nn/classifier';
import type { IRSE } from './irse';
import type { PoolingViT } from './pooling-vit';
import type { LinearClsHead } from './linear-head';
import { logWarn, withDefaults } from './common';

export const PoolingVitClassifierArgs = Type.Object(
  {
    extractor: Component<IRSE>(MODELS, { role: 'backbone', description: 'CNN returning a tuple of NHWC maps (IRSE).' }),
    convert: Type.Optional(Type.Null({ description: 'Always null in APViT (no converter module).' })),
    vit: Component<PoolingViT>(MODELS, { role: 'backbone', description: 'PoolingViT over the extractor output.' }),
    neck: Type.Optional(Type.Null({ description: 'APViT has no neck.' })),
    head: Component<LinearClsHead>(MODELS, { role: 'head', description: 'Classification head (LinearClsHead).' }),
    pretrained: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: 'Unused at this level (as in the official code).' })),
  },
  { additionalProperties: false, description: 'APViT classifier: IR CNN → pooling ViT → linear head.' },
);
export type PoolingVitClassifierArgs = Static<typeof PoolingVitClassifierArgs>;

/** Samples labelled 255 are ignored in training (mmcls convention). */
export const IGNORE_LABEL = 255;

export class PoolingVitClassifier extends Module implements Classifier {
  readonly extractor: IRSE;
  readonly vit: PoolingViT;
  readonly head: LinearClsHead;
  /** Class names (from the dataset or the checkpoint meta); set by the runner/tools. */
  CLASSES?: string[];

  constructor(rawArgs: PoolingVitClassifierArgs, ctx?: BuildContext) {
    super();
    const a = withDefaults(PoolingVitClassifierArgs, rawArgs);
    const where = ctx?.path ?? 'model';
    for (const k of ['extractor', 'vit', 'head'] as const) {
      if (!(a[k] instanceof Module)) throw new Error(`${where}.${k}: expected a built model component, got ${JSON.stringify(a[k])}`);
    }
    if (a.pretrained) logWarn(ctx, `${where}.pretrained: ignored at the classifier level (set extractor/vit pretrained instead)`);
    this.extractor = this.registerModule('extractor', a.extractor);
    this.vit = this.registerModule('vit', a.vit);
    this.head = this.registerModule('head', a.head);
  }

  /** CLS features [B, embed_dim] of NHWC images [B,H,W,3]. */
  extractFeat(img: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.vit.forward(this.extractor.forward(img)));
  }

  /** `{ ce_loss, 'accuracy.top-1' }`; only keys containing 'loss' are losses. */
  forwardTrain(img: tf.Tensor4D, gtLabel: tf.Tensor1D): Record<string, tf.Scalar> {
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

  /** Softmax class scores [B, num_classes] (what the evaluation uses). */
  simpleTest(img: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => this.head.simpleTest(this.extractFeat(img)));
  }

  /** Loads the backbones' `pretrained` files (face.evoLVe IR, timm ViT). */
  async initWeights(): Promise<void> {
    await this.extractor.initWeights();
    await this.vit.initWeights();
  }
}

MODELS.register({ name: 'PoolingVitClassifier', schema: PoolingVitClassifierArgs, role: 'classifier', description: 'APViT: IR-50 CNN + attentive-pooling ViT + linear head' })(PoolingVitClassifier);
