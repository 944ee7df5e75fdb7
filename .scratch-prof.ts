import { tf } from './src/tf';
import { initBackend } from './src/backend/backend';
(async () => {
  await initBackend('cpu');
  const x = tf.randomNormal([6,32,32,4]);
  const w = tf.variable(tf.randomNormal([3,3,4,4]));
  const time = (name: string, f: () => any) => { const t0 = Date.now(); const r = f(); tf.dispose(r); console.log(name, Date.now()-t0); };
  time('conv grad w', () => tf.variableGrads(() => tf.conv2d(x as any, w as any, 1, 1).sum() as any, [w]).grads);
  time('conv grad w same', () => tf.variableGrads(() => tf.conv2d(x as any, w as any, 1, 'same').sum() as any, [w]).grads);
  time('conv grad x', () => tf.grad((a: any) => tf.conv2d(a, w as any, 1, 1).sum())(x));
  time('conv grad x s2', () => tf.grad((a: any) => tf.conv2d(a, w as any, 2, 1).sum())(x));
  time('conv grad w s2', () => tf.variableGrads(() => tf.conv2d(x as any, w as any, 2, 1).sum() as any, [w]).grads);
  time('maxpool grad', () => tf.grad((a: any) => tf.maxPool(a, 1, 2, 'valid').sum())(x));
  time('bn grad', () => tf.grad((a: any) => { const {mean, variance} = tf.moments(a,[0,1,2]); return a.sub(mean).mul(tf.rsqrt(variance.add(1e-5))).sum(); })(x));
})();
