/**
 * SyncBatchNorm: 2 ranks x batch B give what one process gives with batch 2B
 * (outputs, input and parameter gradients, running statistics); in one
 * process it is BatchNorm2d; conversion and registry names.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../../src/backend/backend';
import { tf } from '../../src/tf';
import { BatchNorm2d } from '../../src/nn/layers/norm';
import { SyncBatchNorm, convertSyncBatchnorm } from '../../src/nn/layers/sync-bn';
import { Sequential } from '../../src/nn/layers/container';
import { MODELS } from '../../src/registry/root';
import { B, C, input, loss, readout } from './workers/sync-bn-data';
import { expectOk, launch, tmpDir } from './helpers';

beforeAll(() => initBackend('cpu'));

/** The worker's procedure with plain BatchNorm2d on the whole batch 2B. */
function reference(bn: BatchNorm2d) {
  tf.tidy(() => bn.weight.assign(tf.tensor1d([1.5, 0.5, -1])));
  const r = readout();
  const steps: Array<Record<string, number[]>> = [];
  for (let s = 0; s < 2; s++) {
    const x = input(0, 2 * B, s);
    let y: tf.Tensor | null = null;
    const { grads, value } = tf.variableGrads(() => {
      y = tf.keep(bn.forward(x));
      return loss(y, r);
    }, [bn.weight, bn.bias]);
    const xv = tf.variable(x);
    const dx = tf.grad((xi: tf.Tensor) => loss(bn.forward(xi), r))(xv);
    steps.push({ y: Array.from(y!.dataSync()), dx: Array.from(dx.dataSync()), dWeight: Array.from(grads[bn.weight.name].dataSync()), dBias: Array.from(grads[bn.bias.name].dataSync()) });
    for (const t of [x, y!, value, dx, xv, ...Object.values(grads)]) t.dispose();
  }
  r.dispose();
  return { steps, state: { runningMean: Array.from(bn.runningMean.dataSync()), runningVar: Array.from(bn.runningVar.dataSync()), tracked: bn.numBatchesTracked.dataSync()[0] } };
}

function expectClose(got: number[], want: number[], what: string): void {
  expect(got).toHaveLength(want.length);
  let maxDiff = 0;
  for (let i = 0; i < want.length; i++) maxDiff = Math.max(maxDiff, Math.abs(got[i] - want[i]));
  if (!(maxDiff < 1e-5)) throw new Error(`${what}: max difference ${maxDiff} (got ${got.slice(0, 4)}..., want ${want.slice(0, 4)}...)`);
}

it('2 ranks x batch B equal 1 rank x batch 2B: output, gradients and running stats (1e-5)', async () => {
  const ref = reference(new BatchNorm2d({ numFeatures: C }));
  const dir = tmpDir('syncbn');
  const res = await launch('sync-bn.ts', [dir], 2);
  expectOk(res);
  const per = (B * ref.steps[0].y.length) / (2 * B);
  for (const rank of [0, 1]) {
    const got = JSON.parse(fs.readFileSync(path.join(dir, `rank${rank}.json`), 'utf8'));
    for (let s = 0; s < 2; s++) {
      const want = ref.steps[s];
      const slice = (a: number[]) => a.slice(rank * per, (rank + 1) * per);
      expectClose(got.steps[s].y, slice(want.y), `rank ${rank} step ${s} output`);
      // each rank's loss is a mean over B, the reference's over 2B: DDP averages the factor 2 away
      expectClose(got.steps[s].dx.map((v: number) => v / 2), slice(want.dx), `rank ${rank} step ${s} input gradient`);
      expectClose(got.steps[s].dWeight, want.dWeight, `rank ${rank} step ${s} weight gradient`);
      expectClose(got.steps[s].dBias, want.dBias, `rank ${rank} step ${s} bias gradient`);
    }
    expectClose(got.state.runningMean, ref.state.runningMean, `rank ${rank} running_mean`);
    expectClose(got.state.runningVar, ref.state.runningVar, `rank ${rank} running_var`);
    expect(got.state.tracked).toBe(ref.state.tracked);
  }
  // per-rank BN would differ: the test can tell the two apart
  const plain = new BatchNorm2d({ numFeatures: C });
  const half = tf.tidy(() => Array.from(plain.forward(input(0, B, 0)).dataSync()));
  expect(Math.max(...half.map((v, i) => Math.abs(v - ref.steps[0].y[i])))).toBeGreaterThan(1e-3);
}, 60_000);

it('in one process SyncBatchNorm is BatchNorm2d, with the same state_dict keys', () => {
  const a = reference(new BatchNorm2d({ numFeatures: C }));
  const b = reference(new SyncBatchNorm({ num_features: C, eps: 1e-5, momentum: 0.1 }));
  expect(b).toEqual(a);
  const keys = (m: BatchNorm2d) => m.namedParameters().map(([k]) => k).concat(m.namedBuffers().map(([k]) => k));
  expect(keys(new SyncBatchNorm(C))).toEqual(keys(new BatchNorm2d(C)));
  expect(keys(new SyncBatchNorm(C))).toEqual(['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked']);
});

it('convertSyncBatchnorm converts every BatchNorm2d in place; SyncBN / SyncBatchNorm build from the registry', () => {
  const bn1 = new BatchNorm2d(4);
  const model = new Sequential(bn1, new Sequential(new BatchNorm2d(2)));
  expect(convertSyncBatchnorm(model)).toBe(2);
  expect(bn1).toBeInstanceOf(SyncBatchNorm);
  expect(model.namedModules().filter(([, m]) => m instanceof SyncBatchNorm)).toHaveLength(2);
  expect(convertSyncBatchnorm(model)).toBe(0);
  for (const type of ['SyncBN', 'SyncBatchNorm']) {
    const m = MODELS.build({ type, num_features: 5 }) as SyncBatchNorm;
    expect(m).toBeInstanceOf(SyncBatchNorm);
    expect(m.numFeatures).toBe(5);
  }
});
