import * as fs from 'fs';
import sharp from 'sharp';
import { tf } from './src/tf';
import { initBackend } from './src/backend/backend';
import { MODELS } from './src/registry/root';
import { setInitSeed } from './src/nn/init';
import './plugins/apvit';
const CT = [5, 2, 1, 4, 3, 0, 6];
const widths = JSON.parse(process.argv[3] ?? '[16,32,64]');
const lrs = JSON.parse(process.argv[4] ?? '[0.02]');
const S = 56, N = Number(process.argv[5] ?? 448), B = 32;
(async () => {
  await initBackend(process.argv[2] ?? 'wasm');
  const lines = fs.readFileSync('/tmp/apvit-demo/EmoLabel/train.txt', 'utf8').trim().split('\n').slice(0, N);
  const mean = [123.675, 116.28, 103.53], std = [58.395, 57.12, 57.375];
  const X = new Float32Array(N * S * S * 3); const Y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const [f, l] = lines[i].split(' ');
    const buf = await sharp('/tmp/apvit-demo/Image/aligned/' + f.replace('_aligned', '')).resize(S, S).removeAlpha().raw().toBuffer();
    for (let p = 0; p < S * S * 3; p++) X[i * S * S * 3 + p] = (buf[p] - mean[p % 3]) / std[p % 3];
    Y[i] = CT[Number(l) - 1];
  }
  for (const lr of lrs) {
    setInitSeed(0);
    const m: any = MODELS.build({ type: 'PoolingVitClassifier',
      extractor: { type: 'IRSE', input_size: [S, S], return_index: [2], units: [1, 1, 1], widths },
      vit: { type: 'PoolingViT', embed_dim: 64, depth: 4, num_heads: 4, mlp_ratio: 2, patch_num: 49, in_channels: [widths[2]],
        cnn_pool_config: { keep_num: 40, exclude_first: false }, vit_pool_configs: { keep_rates: [1, 1, 0.9, 0.9], exclude_first: true, attn_method: 'SUM' } },
      head: { type: 'LinearClsHead', num_classes: 7, in_channels: 64 } });
    const vars: tf.Variable[] = m.parameters();
    const mom = vars.map((v) => tf.zerosLike(v)); const sq = vars.map((v) => tf.zerosLike(v)); let t = 0;
    for (let ep = 0; ep < 4; ep++) {
      let tot = 0, acc = 0, nb = 0; const c0 = process.cpuUsage();
      for (let s = 0; s + B <= N; s += B) {
        const x = tf.tensor4d(X.subarray(s * S * S * 3, (s + B) * S * S * 3), [B, S, S, 3]);
        const y = tf.tensor1d(Y.subarray(s, s + B), 'int32');
        let a = 0;
        const { value, grads } = tf.variableGrads(() => { const o = m.forwardTrain(x, y); a = o['accuracy.top-1'].dataSync()[0]; return o.ce_loss; }, vars);
        tot += value.dataSync()[0]; acc += a; nb++;
        t++;
        tf.tidy(() => vars.forEach((v, i) => { const g = grads[v.name]; const m1 = tf.add(tf.mul(mom[i], 0.9), tf.mul(g, 0.1)); const m2 = tf.add(tf.mul(sq[i], 0.999), tf.mul(tf.square(g), 0.001)); mom[i].dispose(); sq[i].dispose(); mom[i] = tf.keep(m1); sq[i] = tf.keep(m2);
          const upd = tf.div(tf.div(m1, 1 - 0.9 ** t), tf.add(tf.sqrt(tf.div(m2, 1 - 0.999 ** t)), 1e-8));
          v.assign(tf.sub(tf.mul(v, 1 - lr * 0.05), tf.mul(upd, lr))); }));
        tf.dispose([x, y, value, grads]);
      }
      console.log(`lr ${lr} ep ${ep} loss ${(tot / nb).toFixed(3)} acc ${(acc / nb).toFixed(1)} cpu/step ${((process.cpuUsage(c0).user / 1000 / nb) | 0)}ms`);
    }
    m.dispose(); tf.dispose(mom); tf.dispose(sq);
  }
})();
