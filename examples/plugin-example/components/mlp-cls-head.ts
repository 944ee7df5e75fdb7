/**
 * MLPClsHead: an optional neck, then `fc1 → act → dropout → fc2` and a loss.
 * APViT's classifier has no neck slot (its `neck` must be null), so the head
 * owns one: the classifier hands the head its pooled features and the head
 * applies the neck first. It implements the head interface the classifiers
 * call: `forwardTrain(x, labels)` → named scalars, `simpleTest(x)` → softmax.
 */
import {
  Component,
  Dropout,
  GELU,
  Linear,
  Module,
  ReLU,
  Type,
  tf,
  type BuildContext,
  type ConfigNode,
  type Static,
} from 'fer-mm';
import { EXAMPLE_MODELS } from './scope';

/** What the head needs of a neck: a module mapping features to features of the same width. */
export type NeckModule = Module & { forward(x: tf.Tensor): tf.Tensor };
/** What the head needs of a loss (the built-in `CrossEntropyLoss` fits). */
export type LossModule = Module & { forward(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Tensor };

/** Arguments of `example.MLPClsHead`. */
export const MLPClsHeadArgs = Type.Object(
  {
    /** Number of classes K. */
    num_classes: Type.Integer({ minimum: 1, description: 'number of classes' }),
    /** Width of the incoming features (PoolingViT's embed_dim). */
    in_channels: Type.Integer({ minimum: 1, description: 'width of the incoming features' }),
    /** Width of the hidden layer. */
    hidden_channels: Type.Integer({ minimum: 1, default: 256, description: 'hidden layer width' }),
    /** Dropout before the last layer (training only). */
    dropout: Type.Number({ minimum: 0, exclusiveMaximum: 1, default: 0.1, description: 'dropout before the last layer' }),
    /** Hidden activation. */
    act: Type.Union([Type.Literal('gelu'), Type.Literal('relu')], { default: 'gelu', description: 'hidden activation' }),
    /** Optional neck applied to the features first; built before the head (bare names resolve in `example`, then core). */
    neck: Type.Optional(Type.Union([Component<NeckModule>(EXAMPLE_MODELS, { role: 'neck', description: 'neck applied to the features first' }), Type.Null()])),
    /** Loss node; default `{ type: 'CrossEntropyLoss' }` (from the built-in APViT plugin). */
    loss: Type.Optional(Component<LossModule>(EXAMPLE_MODELS, { role: 'loss', description: "loss (default { type: 'CrossEntropyLoss' })" })),
  },
  { additionalProperties: false, description: 'Neck + two-layer MLP classification head with dropout.' },
);
export type MLPClsHeadArgs = Static<typeof MLPClsHeadArgs>;

@EXAMPLE_MODELS.register({
  name: 'MLPClsHead',
  schema: MLPClsHeadArgs,
  role: 'head',
  description: 'optional neck + Linear-act-Dropout-Linear head with CE loss (example plugin)',
})
export class MLPClsHead extends Module {
  readonly neck?: NeckModule;
  readonly fc1: Linear;
  readonly act: Module & { forward(x: tf.Tensor): tf.Tensor };
  readonly drop: Dropout;
  readonly fc2: Linear;
  /** The loss has no parameters, so it is kept unregistered (no state_dict keys), like mmcls' `compute_loss`. */
  readonly computeLoss: LossModule;
  readonly numClasses: number;

  constructor(args: Partial<MLPClsHeadArgs> & { num_classes: number; in_channels: number }, ctx?: BuildContext) {
    super();
    const { num_classes, in_channels, hidden_channels = 256, dropout = 0.1, act = 'gelu', neck, loss } = args;
    const where = ctx?.path ?? 'head';
    this.numClasses = num_classes;
    if (neck !== undefined && neck !== null) {
      // Registry.build hands us the BUILT neck; a plain config node here means someone called `new` directly.
      if (!(neck instanceof Module)) throw new Error(`${where}.neck: expected a built neck, got ${JSON.stringify(neck)}`);
      this.neck = this.registerModule('neck', neck as NeckModule);
    }
    this.fc1 = this.registerModule('fc1', new Linear({ inFeatures: in_channels, outFeatures: hidden_channels }));
    this.act = this.registerModule('act', act === 'relu' ? new ReLU() : new GELU());
    this.drop = this.registerModule('drop', new Dropout({ p: dropout }));
    this.fc2 = this.registerModule('fc2', new Linear({ inFeatures: hidden_channels, outFeatures: num_classes }));
    if (loss instanceof Module) this.computeLoss = loss as LossModule;
    else {
      // Resolved from our scope upwards, so the built-in CrossEntropyLoss is found.
      const node: ConfigNode = (loss as ConfigNode | undefined) ?? { type: 'CrossEntropyLoss', loss_weight: 1.0 };
      this.computeLoss = EXAMPLE_MODELS.build<LossModule>(node, { path: `${where}.loss`, container: ctx?.container });
    }
  }

  /** Logits [B, K] of features [B, in_channels]. */
  forward(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => {
      const f = this.neck ? this.neck.forward(x) : x;
      return this.fc2.forward(this.drop.forward(this.act.forward(this.fc1.forward(f)))) as tf.Tensor2D;
    });
  }

  /** `{ ce_loss, 'accuracy.top-1' }`: the runner sums every key containing 'loss' and logs the rest. */
  forwardTrain(x: tf.Tensor, gtLabel: tf.Tensor1D): Record<string, tf.Scalar> {
    return tf.tidy(() => {
      const logits = this.forward(x);
      const ceLoss = this.computeLoss.forward(logits, gtLabel) as tf.Scalar;
      // top-1 accuracy in percent, as mmcls logs it (a log value, not part of the gradient)
      const hit = tf.equal(tf.argMax(logits, -1), tf.cast(gtLabel, 'int32'));
      const acc = tf.mul(tf.mean(tf.cast(hit, 'float32')), 100) as tf.Scalar;
      return { ce_loss: ceLoss, 'accuracy.top-1': acc };
    });
  }

  /** Softmax scores [B, K] (what evaluation uses). */
  simpleTest(x: tf.Tensor): tf.Tensor2D {
    return tf.tidy(() => tf.softmax(this.forward(x), -1));
  }
}
