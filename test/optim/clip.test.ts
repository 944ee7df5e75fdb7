import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { clipGradNorm } from '../../src/optim';

beforeAll(async () => {
  await initBackend('cpu');
});

describe('clipGradNorm (torch clip_grad_norm_)', () => {
  it('scales all gradients by max_norm / (total + 1e-6) when the total L2 norm is larger', () => {
    const grads: Record<string, tf.Tensor> = { a: tf.tensor([3, 0]), b: tf.tensor([[0, 4]]) };
    const old = { ...grads };
    const total = clipGradNorm(grads, 1);
    expect(total).toBeCloseTo(5, 6);
    const c = 1 / (5 + 1e-6);
    expect(Array.from(grads.a.dataSync())).toEqual([expect.closeTo(3 * c, 6), 0]);
    expect(Array.from(grads.b.dataSync())).toEqual([0, expect.closeTo(4 * c, 6)]);
    expect(grads.b.shape).toEqual([1, 2]);
    expect(old.a.isDisposed && old.b.isDisposed).toBe(true);
    Object.values(grads).forEach((g) => g.dispose());
  });

  it('leaves gradients alone below the limit and keeps the tensor count flat', () => {
    const grads: Record<string, tf.Tensor> = { a: tf.tensor([0.3, 0.4]) };
    const before = tf.memory().numTensors;
    const a = grads.a;
    expect(clipGradNorm(grads, 10)).toBeCloseTo(0.5, 6);
    expect(grads.a).toBe(a);
    expect(tf.memory().numTensors).toBe(before);
    clipGradNorm(grads, 0.1);
    expect(tf.memory().numTensors).toBe(before);
    grads.a.dispose();
  });

  it('supports other norm types', () => {
    const grads: Record<string, tf.Tensor> = { a: tf.tensor([-3, 1]), b: tf.tensor([2]) };
    expect(clipGradNorm(grads, 100, 1)).toBeCloseTo(6, 5);
    expect(clipGradNorm(grads, 100, Infinity)).toBeCloseTo(3, 6);
    expect(clipGradNorm(grads, 100, 3)).toBeCloseTo(Math.cbrt(27 + 1 + 8), 5);
    expect(clipGradNorm({}, 1)).toBe(0);
    expect(() => clipGradNorm(grads, 0)).toThrow(/max_norm/);
    Object.values(grads).forEach((g) => g.dispose());
  });
});
