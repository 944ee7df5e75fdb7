/**
 * variableGradsReleasing frees the backward pass's intermediates early but
 * gives exactly tf.variableGrads's value and gradients, leaks nothing, and
 * lowers the number of tensors alive during the backward pass.
 */
import { presentBackends } from '../harness/backends';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import { setInitSeed } from '../../src/nn/init';
import { variableGradsReleasing } from '../../src/nn/tape-release';
import { Rng } from '../../src/utils/rng';
import '@fer-mm/apvit';
import type { PoolingVitClassifier } from '@fer-mm/apvit';
import { tinyConfig } from '../apvit/tiny';

describe.each(presentBackends())('variableGradsReleasing on %s', (backend) => {
  it('equals tf.variableGrads on a whole APViT training step, with fewer tensors alive and no leaks', async () => {
    await initBackend(backend);
    setInitSeed(4);
    const model = MODELS.build<PoolingVitClassifier>(tinyConfig('ir_se'));
    model.train();
    const probeVar = tf.variable(tf.zeros([1, 1, 1, 3]));
    const vars = [...model.parameters(), probeVar];
    const rng = new Rng(3);
    const img = tf.tensor4d(Float32Array.from({ length: 4 * 32 * 32 * 3 }, () => rng.normal()), [4, 32, 32, 3]);
    const label = tf.tensor1d([0, 3, 5, 6], 'int32');
    let peak = 0;
    let forwardBytes = 0;
    // the model keeps the token indices of its last forward (lastTrace): make them exist first
    tf.tidy(() => model.forwardTrain(img, label));
    // BN running statistics change with every forward: run both from the same state
    const stats = model.stateDict();
    const saved = new Map([...stats].filter(([k]) => k.includes('running') || k.includes('num_batches')).map(([k, v]) => [k, tf.clone(v)]));
    const run = (grads: typeof tf.variableGrads) => {
      for (const [k, v] of saved) stats.get(k)!.assign(v);
      peak = 0;
      const before = tf.memory().numTensors;
      const bytesBefore = tf.memory().numBytes;
      const { value, grads: g } = grads(() => {
        // an identity on the input whose gradient runs last: it sees what the backward pass still holds
        const probe = tf.customGrad(((v: tf.Tensor, save: tf.GradSaveFunc) => {
          save([]);
          return { value: tf.clone(v), gradFunc: (dy: tf.Tensor) => { peak = tf.memory().numTensors; return [tf.clone(dy)]; } };
        }) as unknown as Parameters<typeof tf.customGrad>[0]);
        const loss = model.forwardTrain(tf.add(img, probe(probeVar)) as tf.Tensor4D, label).ce_loss;
        forwardBytes = tf.memory().numBytes - bytesBefore;
        return loss;
      }, vars);
      const res = { value: value.dataSync()[0], grads: Object.fromEntries(Object.entries(g).map(([k, t]) => [k, Float32Array.from(t.dataSync())])) };
      tf.dispose([value, ...Object.values(g)]);
      expect(tf.memory().numTensors).toBe(before);
      return res;
    };
    const ref = run(tf.variableGrads);
    const [peakRef, forwardRef] = [peak, forwardBytes];
    const got = run(variableGradsReleasing);
    expect(peak).toBeLessThan(peakRef * 0.75);
    // what shape-only gradients (residual adds, reshapes, slices) saved is gone by the end of the forward
    expect(forwardBytes).toBeLessThan(forwardRef * 0.9);
    expect(got.value).toBe(ref.value);
    expect(Object.keys(got.grads).sort()).toEqual(Object.keys(ref.grads).sort());
    for (const k of Object.keys(ref.grads)) expect(got.grads[k]).toEqual(ref.grads[k]);
    tf.dispose([img, label, probeVar, ...saved.values()]);
    model.dispose();
  });
});
