/**
 * ImageClassifier (mmcls `classifiers/image.py`): backbone → neck → head.
 * Images are NHWC [B, H, W, C]; the backbone returns a tensor or a tuple
 * (array) of tensors, the optional neck maps that to features, the head
 * (required for training and testing, optional for feature extraction) takes
 * the features — the last tensor of a tuple. Subclasses may name the three
 * children differently (their state_dict keys follow the names).
 */
import { Type, type Static } from '@sinclair/typebox';
import { tf } from '../tf';
import { MODELS } from '../registry/root';
import type { BuildContext } from '../registry/registry';
import { Component } from '../registry/schema';
import { Module, formatLoadReport } from '../nn/module';
import { BaseClassifier, DataPreprocessorProp } from './base-classifier';
import { readPretrainedFile } from './weights-file';
import { logInfo, logWarn } from './component-args';

/** Tensors in, tensors out: a backbone or a neck. */
export type FeatureModule = Module & { forward(x: tf.Tensor | tf.Tensor[]): tf.Tensor | tf.Tensor[] };
/** What a classification head offers (see ClsHead). */
export type HeadModule = Module & {
  forwardTrain(x: tf.Tensor, gtLabel: tf.Tensor1D): Record<string, tf.Scalar>;
  simpleTest(x: tf.Tensor): tf.Tensor2D;
};
type WithInit = { initWeights?(): Promise<void> | void };

const PretrainedInit = Type.Object(
  {
    type: Type.Literal('Pretrained'),
    checkpoint: Type.String({ description: 'Checkpoint file loaded (non-strictly) into the whole classifier.' }),
    prefix: Type.Optional(Type.String({ description: "Load only the keys under this prefix (e.g. 'backbone'), prefix removed." })),
  },
  { additionalProperties: false },
);

export const ImageClassifierArgs = Type.Object(
  {
    backbone: Component<FeatureModule>(MODELS, { role: 'backbone', description: 'Feature extractor over NHWC images.' }),
    neck: Type.Optional(Type.Union([Component<FeatureModule>(MODELS, { role: 'neck', description: 'e.g. GlobalAveragePooling.' }), Type.Null()])),
    head: Type.Optional(Type.Union([Component<HeadModule>(MODELS, { role: 'head', description: 'e.g. LinearClsHead.' }), Type.Null()])),
    pretrained: Type.Optional(Type.Union([Type.String(), Type.Null()], { description: "Checkpoint for the backbone (mmcls: becomes the backbone's Pretrained init)." })),
    init_cfg: Type.Optional(Type.Union([PretrainedInit, Type.Null()])),
    ...DataPreprocessorProp,
    train_cfg: Type.Optional(Type.Union([Type.Object({}, { additionalProperties: false }), Type.Null()], { description: 'No batch augments are implemented.' })),
  },
  { additionalProperties: false, description: 'Generic classifier: backbone → optional neck → optional head.' },
);
export type ImageClassifierArgs = Static<typeof ImageClassifierArgs>;

/** The children's names (state_dict prefixes); mmcls uses backbone / neck / head. */
export interface ClassifierPartNames {
  backbone: string;
  neck: string;
  head: string;
}

/** The model steps (`trainStep`/`valStep`/`testStep`: data preprocessor, then `forwardTrain`/`simpleTest`) come from `BaseClassifier`. */
export class ImageClassifier extends BaseClassifier {
  readonly backbone: FeatureModule;
  readonly neck?: FeatureModule;
  readonly head?: HeadModule;
  protected readonly ctx?: BuildContext;
  protected readonly pretrained: string | null;
  protected readonly initCfg: Static<typeof PretrainedInit> | null;

  constructor(rawArgs: ImageClassifierArgs, ctx?: BuildContext, names: Partial<ClassifierPartNames> = {}) {
    super(rawArgs.data_preprocessor ?? null);
    // no defaults to fill (and Value.Default would clone the built children through the unions)
    const a = rawArgs;
    const n: ClassifierPartNames = { backbone: 'backbone', neck: 'neck', head: 'head', ...names };
    const where = ctx?.path ?? 'model';
    this.ctx = ctx;
    const parts = [['backbone', a.backbone], ['neck', a.neck], ['head', a.head]] as const;
    for (const [k, v] of parts) {
      const required = k === 'backbone';
      if ((required || (v !== undefined && v !== null)) && !(v instanceof Module)) {
        throw new Error(`${where}.${n[k]}: expected a built model component, got ${JSON.stringify(v)}`);
      }
    }
    this.backbone = this.registerModule(n.backbone, a.backbone);
    if (a.neck) this.neck = this.registerModule(n.neck, a.neck);
    if (a.head) this.head = this.registerModule(n.head, a.head);
    this.pretrained = a.pretrained ?? null;
    this.initCfg = a.init_cfg ?? null;
  }

  /** Backbone (and neck) output for NHWC images [B,H,W,C]. */
  extractFeat(img: tf.Tensor4D): tf.Tensor | tf.Tensor[] {
    return tf.tidy(() => {
      const x = this.backbone.forward(img);
      return this.neck ? this.neck.forward(x) : x;
    });
  }

  /** The head's input: the features, or the last of a tuple (mmcls ClsHead.pre_logits). */
  protected headInput(feat: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return Array.isArray(feat) ? feat[feat.length - 1] : feat;
  }

  protected requireHead(what: string): HeadModule {
    if (!this.head) throw new Error(`${this.ctx?.path ?? 'model'}: ${what} needs a head (the config has none; it can only extract features)`);
    return this.head;
  }

  /** `{ ce_loss, 'accuracy.top-k', ... }`; every key containing 'loss' is summed by the runner. */
  forwardTrain(img: tf.Tensor4D, gtLabel: tf.Tensor1D): Record<string, tf.Scalar> {
    const head = this.requireHead('forwardTrain');
    if (img.shape[0] !== gtLabel.shape[0]) throw new Error(`forwardTrain: ${img.shape[0]} images but ${gtLabel.shape[0]} labels`);
    return tf.tidy(() => head.forwardTrain(this.headInput(this.extractFeat(img)), gtLabel));
  }

  /** Softmax class scores [B, num_classes] (what the evaluation uses). */
  simpleTest(img: tf.Tensor4D): tf.Tensor2D {
    const head = this.requireHead('simpleTest');
    return tf.tidy(() => head.simpleTest(this.headInput(this.extractFeat(img))));
  }

  /**
   * The children's own `initWeights` (their `pretrained` files), then
   * `pretrained` into the backbone, then `init_cfg` (Pretrained) into the
   * whole model; files load non-strictly and log what did not match.
   */
  async initWeights(): Promise<void> {
    for (const [, child] of this.namedChildren()) await (child as WithInit).initWeights?.();
    const where = this.ctx?.path ?? 'model';
    if (this.pretrained) this.loadFile(this.backbone, this.pretrained, undefined, `${where}.pretrained`);
    if (this.initCfg) this.loadFile(this, this.initCfg.checkpoint, this.initCfg.prefix, `${where}.init_cfg`);
  }

  private loadFile(target: Module, file: string, prefix: string | undefined, where: string): void {
    const report = target.loadStateDict(readPretrainedFile(file, where, prefix), { strict: false });
    logInfo(this.ctx, `${where}: loaded ${file}`);
    const text = formatLoadReport(report);
    if (text) logWarn(this.ctx, text);
  }
}

MODELS.register({ name: 'ImageClassifier', schema: ImageClassifierArgs, role: 'classifier', description: 'Generic classifier: backbone → neck → head (mmcls ImageClassifier)' })(ImageClassifier);
