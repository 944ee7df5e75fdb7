import { tf } from './src/tf';
import { initBackend } from './src/backend/backend';
import { MODELS } from './src/registry/root';
import './plugins/apvit';
(async () => {
  await initBackend(process.argv[2] ?? 'cpu');
  let t0 = Date.now();
  const m: any = MODELS.build({ type: 'PoolingVitClassifier',
    extractor: { type: 'IRSE', input_size: 112, num_layers: 50, mode: 'ir', return_index: [3], units: [1,1,1,1], widths: [8,16,32,64] },
    vit: { type: 'PoolingViT', img_size: 112, patch_size: 16, embed_dim: 64, depth: 4, num_heads: 4, mlp_ratio: 2, patch_num: 49, in_channels: [64],
      cnn_pool_config: { keep_num: 40, exclude_first: false }, vit_pool_configs: { keep_rates: [1,1,0.9,0.9], exclude_first: true, attn_method: 'SUM' } },
    head: { type: 'LinearClsHead', num_classes: 7, in_channels: 64 } });
  console.log('build ms', Date.now()-t0, m.stateDict().size);
  const x = tf.randomNormal([8,112,112,3]) as tf.Tensor4D;
  const y = tf.tensor1d([0,1,2,3,4,5,6,0],'int32');
  const vars = m.parameters();
  console.log('tensors', tf.memory().numTensors);
  for (let it = 0; it < 3; it++) {
    t0 = Date.now();
    const { value, grads } = tf.variableGrads(() => { const l = m.forwardTrain(x, y); return l.ce_loss; }, vars);
    console.log('loss', value.dataSync()[0], 'ms', Date.now()-t0, Object.keys(grads).length);
    value.dispose(); tf.dispose(grads);
    console.log('tensors', tf.memory().numTensors, JSON.stringify(m.vit.lastTrace.atp.map((a: any) => a && a[0].length)));
  }
  m.eval();
  const p = m.simpleTest(x); console.log(p.shape, p.sum(1).dataSync()); p.dispose();
  console.log('tensors', tf.memory().numTensors);
})();
