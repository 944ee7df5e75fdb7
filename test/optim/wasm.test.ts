/** The optimizers and clipping use only ops the wasm backend has: one SGD and one AdamW run there. */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { buildOptimizer, clipGradNorm } from '../../src/optim';

beforeAll(async () => {
  await initBackend('wasm');
});

function run(type: string, extra: Record<string, unknown>, steps: number): number[] {
  const p = tf.variable(tf.tensor([0.5, -1, 2]));
  const opt = buildOptimizer([['w', p]], { type, lr: 0.1, ...extra });
  for (let s = 0; s < steps; s++) {
    const grads: Record<string, tf.Tensor> = { w: tf.tensor([1 + s, -2, 0.5 * s]) };
    clipGradNorm(grads, 100);
    opt.step(grads);
    grads.w.dispose();
  }
  const out = Array.from(p.dataSync());
  opt.dispose();
  p.dispose();
  return out;
}

describe('optimizers on wasm', () => {
  it('runs on the wasm backend with the same results as float64 math', () => {
    expect(tf.getBackend()).toBe('wasm');
    // SGD momentum 0.9, wd 0.1, 2 steps, by hand:
    // step0: g = [1, -2, 0] + 0.1 p = [1.05, -2.1, 0.2]; buf = g; p = [0.395, -0.79, 1.98]
    // step1: g = [2, -2, 0.5] + 0.1 p = [2.0395, -2.079, 0.698]; buf = 0.9*buf + g = [2.9845, -3.969, 0.878]
    //        p = [0.395 - 0.29845, -0.79 + 0.3969, 1.98 - 0.0878]
    const sgd = run('SGD', { momentum: 0.9, weight_decay: 0.1 }, 2);
    [0.09655, -0.3931, 1.8922].forEach((v, i) => expect(sgd[i]).toBeCloseTo(v, 5));
    // AdamW first step: p * (1 - lr*wd) - lr * sign(g) (m/sqrt(v) = sign(g) after bias correction, eps aside)
    const adamw = run('AdamW', { weight_decay: 0.5 }, 1);
    [0.5 * 0.95 - 0.1, -1 * 0.95 + 0.1, 2 * 0.95].forEach((v, i) => expect(adamw[i]).toBeCloseTo(v, 5));
  });
});
