import '../src';
import { tf } from '../src/tf';
import { initBackend } from '../src/backend/backend';
import { loadRunConfig } from '../src/runner/api/cli';
import { buildClassifier } from '../src/runner/api/build';
import { Logger } from '../src/runner/logger';
async function main() {
  await initBackend('wasm');
  const { cfg } = loadRunConfig(process.argv[2], undefined, new Logger({}));
  const model: any = await buildClassifier(cfg as any, { loadPretrained: false });
  model.eval();
  const img = tf.randomNormal([2, 112, 112, 3]);
  tf.tidy(() => { model.simpleTest(img).dataSync(); });
  const engine = tf.engine() as any; const orig = engine.runKernel;
  const acc = new Map<string, [number, number]>();
  engine.runKernel = function (name: string, inputs: any, attrs: any) {
    const t0 = performance.now(); const r = orig.call(this, name, inputs, attrs);
    const key = name + (name === 'Conv2D' || name === 'FusedConv2D' ? ` ${inputs.filter.shape.join('x')} s${attrs.strides}` : name.includes('MatMul') ? ` tA${attrs.transposeA?1:0}tB${attrs.transposeB?1:0}` : '');
    const e = acc.get(key) ?? [0, 0]; e[0] += performance.now() - t0; e[1]++; acc.set(key, e); return r;
  };
  const t0 = performance.now();
  tf.tidy(() => { model.simpleTest(img).dataSync(); });
  console.log('total', performance.now() - t0);
  engine.runKernel = orig;
  [...acc.entries()].sort((a, b) => b[1][0] - a[1][0]).slice(0, 25).forEach(([k, [t, n]]) => console.log(k.padEnd(40), t.toFixed(1), n));
}
main();
