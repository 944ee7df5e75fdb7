/**
 * TransFER on every backend present: the eval forward equals cpu's (same
 * weights), and training steps with MAD/MSAD active lower the loss without
 * leaking tensors across iterations.
 */
import { presentBackends } from '../harness/backends';
import { tf } from '../../src/tf';
import { initBackend, type BackendName } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import { Rng } from '../../src/utils/rng';
import { setInitSeed } from '../../src/nn/init';
import '@fer-mm/transfer';
import type { TransFER } from '@fer-mm/transfer';
import { tinyTransferConfig } from './tiny';

const B = 4;
const images = (seed: number): Float32Array => {
  const r = new Rng(seed);
  return Float32Array.from({ length: B * 32 * 32 * 3 }, () => r.normal());
};

async function evalProbs(backend: BackendName): Promise<Float32Array> {
  await initBackend(backend);
  setInitSeed(5);
  const m = MODELS.build<TransFER>(tinyTransferConfig(), { path: 'model' });
  // non-trivial BN statistics and a non-zero head, so the check sees the whole network
  const rng = new Rng(6);
  for (const [k, v] of m.stateDict()) {
    if (k.endsWith('running_var')) v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => rng.uniform(0.5, 1.5)), v.shape));
    else if (k.endsWith('running_mean') || k.startsWith('head.')) v.assign(tf.tensor(Float32Array.from({ length: v.size }, () => rng.normal() * 0.1), v.shape));
  }
  m.eval();
  const img = tf.tensor4d(images(1), [B, 32, 32, 3]);
  const probs = m.simpleTest(img);
  const out = Float32Array.from(probs.dataSync());
  tf.dispose([img, probs]);
  m.dispose();
  return out;
}

describe.each(presentBackends())('TransFER on %s', (backend) => {
  it('eval forward equals the cpu backend (1e-5)', async () => {
    const ref = await evalProbs('cpu');
    const got = await evalProbs(backend);
    let d = 0;
    for (let i = 0; i < ref.length; i++) d = Math.max(d, Math.abs(got[i] - ref[i]));
    expect(d).toBeLessThan(1e-5);
  });

  it('training steps with MAD/MSAD lower the loss and leak no tensors', async () => {
    await initBackend(backend);
    setInitSeed(7);
    const m = MODELS.build<TransFER>(tinyTransferConfig({ drop_rate: 0.6, head_drop_rate: 0.3 }), { path: 'model' });
    m.train();
    const vars = m.parameters();
    const labels = Array.from({ length: B }, (_, i) => i % 3);
    // class-dependent colour offsets make the batch learnable
    const data = images(2).map((v, i) => v * 0.5 + ((i % 3) === labels[Math.floor(i / (32 * 32 * 3))] ? 1 : -0.5));
    const img = tf.tensor4d(data, [B, 32, 32, 3]);
    const label = tf.tensor1d(labels, 'int32');
    const losses: number[] = [];
    let tensorsAfterFirst = -1;
    for (let it = 0; it < 8; it++) {
      const { value, grads } = tf.variableGrads(() => {
        const out = m.forwardTrain(img, label);
        return Object.entries(out)
          .filter(([k]) => k.includes('loss'))
          .reduce((a, [, v]) => tf.add(a, v), tf.scalar(0)) as tf.Scalar;
      }, vars);
      losses.push(value.dataSync()[0]);
      tf.tidy(() => {
        for (const v of vars) if (grads[v.name]) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.05)));
      });
      tf.dispose([value, grads]);
      if (it === 0) tensorsAfterFirst = tf.memory().numTensors;
      else expect(tf.memory().numTensors).toBe(tensorsAfterFirst);
    }
    expect(Math.min(...losses.slice(-3))).toBeLessThan(losses[0] - 0.05);
    tf.dispose([img, label]);
    m.dispose();
  });
});
