import { tf } from './src/tf';
import { initBackend } from './src/backend/backend';
import { MODELS } from './src/registry/root';
import './plugins/apvit';
import { tinyConfig, randomizeWeights } from './test/apvit/tiny';
(async () => {
  await initBackend('cpu');
  tf.ENV.set('WEBGL_PACK', false);
  const m: any = MODELS.build(tinyConfig('ir'));
  randomizeWeights(m, 5);
  m.train();
  const x = tf.randomNormal([4, 32, 32, 3], 0, 1, 'float32', 3) as tf.Tensor4D;
  const y = tf.tensor1d([0, 1, 2, 3], 'int32');
  const f = () => m.forwardTrain(x, y).ce_loss as tf.Scalar;
  const sd = m.stateDict();
  const keys = ['extractor.input_layer.0.weight', 'extractor.body.1.0.res_layer.3.weight', 'extractor.body.1.0.shortcut_layer.0.weight', 'extractor.body.0.0.res_layer.2.weight', 'extractor.body.2.0.res_layer.0.weight', 'vit.projs.0.weight', 'vit.blocks.1.attn.qkv.weight', 'vit.patch_pos_embed', 'vit.cls_token'];
  const vars = keys.map((k) => sd.get(k));
  const { grads } = tf.variableGrads(f, vars);
  for (const [i, k] of keys.entries()) {
    const v = vars[i];
    const g = grads[v.name].dataSync();
    const vals = v.dataSync().slice();
    // probe the 3 largest-gradient entries
    const idx = Array.from(g.keys()).sort((a, b) => Math.abs(g[b]) - Math.abs(g[a])).slice(0, 3);
    const out: string[] = [];
    for (const j of idx) {
      const eps = 1e-2 * Math.max(1e-2, Math.abs(vals[j]));
      const set = (d: number) => { const c = vals.slice(); c[j] += d; v.assign(tf.tensor(c, v.shape)); };
      set(eps); const lp = tf.tidy(() => f().dataSync()[0]);
      set(-eps); const lm = tf.tidy(() => f().dataSync()[0]);
      set(0);
      out.push(`${g[j].toExponential(3)} vs ${((lp - lm) / (2 * eps)).toExponential(3)}`);
    }
    console.log(k, out.join(' | '));
  }
})();
