import { tf } from './src/tf';
import { initBackend } from './src/backend/backend';
import { MODELS } from './src/registry/root';
import './plugins/apvit';
const widths = JSON.parse(process.argv[3] ?? '[8,16,32,64]'); const S = Number(process.argv[4] ?? 112); const units = widths.map(() => 1); const ri = widths.length - 1;
(async () => {
  await initBackend(process.argv[2] ?? 'wasm');
  const m: any = MODELS.build({ type: 'PoolingVitClassifier',
    extractor: { type: 'IRSE', input_size: [112,112], num_layers: 50, mode: 'ir', return_index: [ri], return_type: 'Tuple', units, widths },
    vit: { type: 'PoolingViT', embed_dim: 64, depth: 4, num_heads: 4, mlp_ratio: 2, patch_num: 49, in_channels: [widths[ri]],
      cnn_pool_config: { keep_num: 40, exclude_first: false }, vit_pool_configs: { keep_rates: [1,1,0.9,0.9], exclude_first: true, attn_method: 'SUM' } },
    head: { type: 'LinearClsHead', num_classes: 7, in_channels: 64 } });
  const x = tf.randomNormal([32,S,S,3]) as tf.Tensor4D;
  const y = tf.tensor1d(Array.from({length: 32}, (_, i) => i % 7),'int32');
  const vars = m.parameters();
  for (let it = 0; it < 3; it++) {
    const w0 = Date.now(); const c0 = process.cpuUsage();
    const prof = await tf.profile(() => { const { value, grads } = tf.variableGrads(() => m.forwardTrain(x, y).ce_loss, vars); tf.dispose([value, grads]); });
    const agg: Record<string, number> = {};
    for (const k of prof.kernels) agg[k.name] = (agg[k.name] ?? 0) + (k.kernelTimeMs as number);
    console.log('wall', Date.now()-w0, 'cpu', (process.cpuUsage(c0).user/1000)|0, Object.entries(agg).sort((a,b)=>b[1]-a[1]).slice(0,10).map(([k,v])=>`${k}:${v.toFixed(0)}`).join(' '));
  }
})();
