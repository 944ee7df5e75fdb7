import { tf } from '../src/tf';
import { initBackend } from '../src/backend/backend';
function time(label: string, fn: () => tf.Tensor) { fn().dispose(); const t0 = performance.now(); for (let i = 0; i < 9; i++) fn().dispose(); console.log(label, ((performance.now() - t0) / 9).toFixed(2), 'ms'); }
async function main() {
  await initBackend('wasm');
  const xp = tf.randomNormal([2, 58, 58, 64]);
  time('stridedSlice s2', () => tf.stridedSlice(xp, [0, 1, 1, 0], [2, 56, 56, 64], [1, 2, 2, 1]));
  const x6 = xp.reshape([2, 29, 2, 29, 2, 64]);
  time('slice 6d', () => tf.slice(x6, [0, 0, 1, 0, 1, 0], [2, 28, 1, 28, 1, 64]));
  time('slice 4d', () => tf.slice(xp, [0, 1, 1, 0], [2, 28, 28, 64]));
  const a = tf.randomNormal([128, 1568]), b = tf.randomNormal([1568, 64]);
  time('matmul 128x1568x64', () => tf.matMul(a, b));
  const a1 = tf.randomNormal([64, 6272]), b1 = tf.randomNormal([6272, 64]);
  time('matmul 64x6272x64', () => tf.matMul(a1, b1));
  time('matmul^T 6272 (ours)', () => tf.matMul(b1, b1, true, false));
  const dy = tf.randomNormal([1568, 128]);
  time('transpose dy', () => tf.transpose(dy));
}
main();
