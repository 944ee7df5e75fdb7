/** A BN-free toy MLP, its data and a plain SGD step, shared by the equivalence test and its worker. */
import { tf } from '../../../src/tf';
import { Rng } from '../../../src/utils/rng';

export const IN = 6;
export const HIDDEN = 8;
export const CLASSES = 3;

export class ToyMlp {
  readonly vars: Array<[string, tf.Variable]>;
  constructor(seed: number) {
    const rng = new Rng(seed);
    const init = (shape: number[], scale: number) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return tf.variable(tf.tensor(Float32Array.from({ length: n }, () => rng.normal() * scale), shape), true);
    };
    this.vars = [
      ['fc1.weight', init([HIDDEN, IN], 0.5)],
      ['fc1.bias', init([HIDDEN], 0.1)],
      ['fc2.weight', init([CLASSES, HIDDEN], 0.5)],
      ['fc2.bias', init([CLASSES], 0.1)],
    ];
  }
  namedParameters(): Array<[string, tf.Variable]> {
    return this.vars;
  }
  namedBuffers(): Array<[string, tf.Variable]> {
    return [];
  }
  loss(x: tf.Tensor2D, y: tf.Tensor1D): tf.Scalar {
    const [w1, b1, w2, b2] = this.vars.map(([, v]) => v);
    const h = tf.relu(tf.add(tf.matMul(x, w1, false, true), b1));
    const logits = tf.add(tf.matMul(h, w2, false, true), b2);
    return tf.losses.softmaxCrossEntropy(tf.oneHot(y, CLASSES), logits) as tf.Scalar;
  }
  grads(x: tf.Tensor2D, y: tf.Tensor1D): Record<string, tf.Tensor> {
    const { grads, value } = tf.variableGrads(() => this.loss(x, y), this.vars.map(([, v]) => v));
    value.dispose();
    const out: Record<string, tf.Tensor> = {};
    for (const [name, v] of this.vars) out[name] = grads[v.name];
    return out;
  }
  sgd(grads: Record<string, tf.Tensor>, lr: number): void {
    tf.tidy(() => {
      for (const [name, v] of this.vars) v.assign(tf.sub(v, tf.mul(grads[name], lr)));
    });
  }
  weights(): Record<string, number[]> {
    return Object.fromEntries(this.vars.map(([n, v]) => [n, Array.from(v.dataSync())]));
  }
}

/** Sample i of the toy dataset (deterministic). */
export function sample(i: number): { x: number[]; y: number } {
  const rng = Rng.derive(99, i);
  const x = Array.from({ length: IN }, () => rng.uniform(-1, 1));
  return { x, y: (x[0] + x[1] > 0 ? 1 : 0) + (x[2] > 0.5 ? 1 : 0) };
}

export function batch(indices: number[]): { x: tf.Tensor2D; y: tf.Tensor1D } {
  const s = indices.map(sample);
  return { x: tf.tensor2d(s.flatMap((v) => v.x), [s.length, IN]), y: tf.tensor1d(s.map((v) => v.y), 'int32') };
}

export const LR = 0.5;
