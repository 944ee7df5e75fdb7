import { tf } from './src/tf';
import { initBackend } from './src/backend/backend';
import { MODELS } from './src/registry/root';
import './plugins/apvit';
import { tinyConfig } from './test/apvit/tiny';
(async () => {
  await initBackend(process.argv[2] ?? 'cpu');
  const m: any = MODELS.build(tinyConfig('ir'));
  const x = tf.randomNormal([6,32,32,3]) as tf.Tensor4D;
  const y = tf.tensor1d([0,1,2,0,1,2],'int32');
  const vars = m.parameters();
  for (let it = 0; it < 2; it++) {
    const t0 = process.cpuUsage();
    const w0 = Date.now();
    const prof = await tf.profile(() => { const { value, grads } = tf.variableGrads(() => m.forwardTrain(x, y).ce_loss, vars); tf.dispose([value, grads]); });
    const cu = process.cpuUsage(t0);
    const agg: Record<string, number> = {};
    for (const k of prof.kernels) agg[k.name] = (agg[k.name] ?? 0) + (k.kernelTimeMs as number);
    console.log('wall', Date.now()-w0, 'cpu', (cu.user/1000)|0, Object.entries(agg).sort((a,b)=>b[1]-a[1]).slice(0,8).map(([k,v])=>`${k}:${v.toFixed(0)}`).join(' '));
  }
})();
