/**
 * A registered tiny classifier for tool tests (train/test/infer as
 * subprocesses): global-average-pools the image to C values plus a 4x4
 * average-pooled thumbnail, then one linear layer. Fast on any backend.
 */
import { BaseClassifier, DataPreprocessorProp } from '../../src/models/base-classifier';
import { Type, type Static } from '@sinclair/typebox';
import { MODELS } from '../../src/registry/root';
import { Module } from '../../src/nn/module';
import { tf } from '../../src/tf';
import { Rng } from '../../src/utils/rng';

export const ToyClassifierArgs = Type.Object(
  {
    num_classes: Type.Integer({ minimum: 2, default: 7 }),
    /** Side of the pooled thumbnail fed to the linear layer. */
    grid: Type.Integer({ minimum: 1, default: 4 }),
    /** Accepted (and ignored) so tools can null it like APViT's. */
    pretrained: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    CLASSES: Type.Optional(Type.Array(Type.String())),
    ...DataPreprocessorProp,
  },
  { additionalProperties: false },
);
export type ToyClassifierArgs = Static<typeof ToyClassifierArgs>;

class Fc extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  constructor(inF: number, outF: number) {
    super();
    const rng = new Rng(3);
    this.weight = this.registerParameter('weight', tf.tensor2d(Float32Array.from({ length: inF * outF }, () => rng.uniform(-0.1, 0.1)), [outF, inF]));
    this.bias = this.registerParameter('bias', tf.zeros([outF]));
  }
}

@MODELS.register({ name: 'ToyClassifier', role: 'classifier', schema: ToyClassifierArgs, description: 'test-only tiny classifier' })
export class ToyClassifier extends BaseClassifier {
  readonly head: Fc;
  readonly grid: number;
  readonly numClasses: number;
  /** Set when the runner called initWeights (the pretrained step). */
  initCalledWith: string | null | undefined = undefined;
  private readonly pretrained: string | null;
  constructor(args: Partial<ToyClassifierArgs>) {
    super(args.data_preprocessor ?? null);
    this.grid = args.grid ?? 4;
    this.numClasses = args.num_classes ?? 7;
    this.pretrained = args.pretrained ?? null;
    this.head = this.registerModule('head', new Fc(this.grid * this.grid * 3, this.numClasses));
  }
  initWeights(): void {
    if (this.pretrained) throw new Error(`ToyClassifier: pretrained file ${this.pretrained} would be loaded here`);
  }
  private logits(img: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => {
      const [b, h, w] = img.shape;
      const pooled = tf.avgPool(img, [Math.floor(h / this.grid), Math.floor(w / this.grid)], [Math.floor(h / this.grid), Math.floor(w / this.grid)], 'valid');
      const flat = pooled.slice([0, 0, 0, 0], [b, this.grid, this.grid, 3]).reshape([b, this.grid * this.grid * 3]);
      return flat.matMul(this.head.weight, false, true).add(this.head.bias) as tf.Tensor2D;
    });
  }
  forwardTrain(img: tf.Tensor4D, gtLabel: tf.Tensor1D): Record<string, tf.Scalar> {
    const logits = this.logits(img);
    return { loss: tf.losses.softmaxCrossEntropy(tf.oneHot(gtLabel, this.numClasses), logits) as tf.Scalar };
  }
  simpleTest(img: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => tf.softmax(this.logits(img)));
  }
}
