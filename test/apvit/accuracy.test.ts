/** The on-device top-k accuracy of LinearClsHead equals mmcls's rule (lower index wins ties) on every backend. */
import { presentBackends } from '../harness/backends';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { Rng } from '../../src/utils/rng';
import { topkAccuracy } from 'fer-mm';

function reference(s: number[][], y: number[], k: number): number {
  let correct = 0;
  s.forEach((row, i) => {
    const rank = row.filter((v, c) => v > row[y[i]] || (v === row[y[i]] && c < y[i])).length;
    if (rank < k) correct++;
  });
  return (correct * 100) / s.length;
}

describe.each(presentBackends())('topkAccuracy on %s', (backend) => {
  it('matches the host rule, ties included, without leaking tensors', async () => {
    await initBackend(backend);
    const rng = new Rng(8);
    // scores drawn from a few values, so ties are common
    const s = Array.from({ length: 40 }, () => Array.from({ length: 7 }, () => Math.floor(rng.uniform(0, 4))));
    const y = Array.from({ length: 40 }, () => Math.floor(rng.uniform(0, 7)));
    const before = tf.memory().numTensors;
    const logits = tf.tensor2d(s);
    const labels = tf.tensor1d(y, 'int32');
    const out = topkAccuracy(logits, labels, [1, 2, 5]);
    for (const k of [1, 2, 5]) expect(out[`accuracy.top-${k}`].dataSync()[0]).toBeCloseTo(reference(s, y, k), 4);
    tf.dispose([logits, labels, ...Object.values(out)]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
