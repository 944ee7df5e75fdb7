/** Test plugin: a tiny classifier with one BatchNorm2d (pool -> BN -> mean -> linear), for `sync_bn` through tools/train.ts. */
import { tf } from '../../../src/tf';
import { MODELS } from '../../../src/registry/root';
import { BaseClassifier } from '../../../src/models/base-classifier';
import { BatchNorm2d } from '../../../src/nn/layers/norm';
import { Rng } from '../../../src/utils/rng';

class ToyBnClassifier extends BaseClassifier {
  readonly bn: BatchNorm2d;
  readonly w: tf.Variable;
  constructor(_args: unknown) {
    super();
    this.bn = this.registerModule('bn', new BatchNorm2d({ numFeatures: 3 }));
    const rng = new Rng(1);
    this.w = this.registerParameter('w', tf.tensor2d(Float32Array.from({ length: 3 * 7 }, () => rng.uniform(-0.5, 0.5)), [3, 7]));
  }
  private logits(img: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => tf.matMul(tf.mean(this.bn.forward(tf.avgPool(img, 4, 4, 'valid')), [1, 2]) as tf.Tensor2D, this.w));
  }
  forwardTrain(img: tf.Tensor4D, gt: tf.Tensor1D): Record<string, tf.Scalar> {
    return { loss: tf.losses.softmaxCrossEntropy(tf.oneHot(gt, 7), this.logits(img)) as tf.Scalar };
  }
  simpleTest(img: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => tf.softmax(this.logits(img)));
  }
}

if (!MODELS.has('ToyBnClassifier')) MODELS.register({ name: 'ToyBnClassifier', role: 'classifier', description: 'test-only classifier with one BatchNorm2d' })(ToyBnClassifier);
