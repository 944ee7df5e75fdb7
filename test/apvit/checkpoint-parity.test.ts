/**
 * An official-format APViT checkpoint (an mmcv `.pth`: `{meta, state_dict}`
 * with the official key names, int64 num_batches_tracked) loaded through the
 * tools' strict loader gives, on every backend present, the kept tokens and
 * the softmax (within 1e-5) of the independent float64 forward.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { presentBackends } from '../harness/backends';
import { initBackend } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import { writePth } from '../../src/checkpoint/pth/write';
import type { TensorData } from '../../src/checkpoint/tensor-data';
import { loadWeights } from '../../src/runner/api/load-weights';
import { Logger } from '../../src/runner/logger';
import type { Model } from '../../src/contracts/model';
import '@fer-mm/apvit';
import type { PoolingVitClassifier } from '@fer-mm/apvit';
import { randomizeWeights, tinyConfig, tinyForwardVsReference } from './tiny';
import { toT64, type Weights } from './reference';

let dir: string;
let file: string;
const weights: Weights = new Map();

beforeAll(async () => {
  // the checkpoint is written once, from a cpu model with random weights
  await initBackend('cpu');
  const m = MODELS.build<PoolingVitClassifier>(tinyConfig('ir'));
  randomizeWeights(m, 21);
  const sd = new Map<string, TensorData>();
  for (const [k, v] of m.stateDict()) {
    const data = v.dataSync();
    weights.set(k, toT64([...v.shape], data));
    sd.set(k, v.dtype === 'int32' ? { dtype: 'int64', shape: [...v.shape], data: BigInt64Array.from(data, (x) => BigInt(x)) } : { dtype: 'float32', shape: [...v.shape], data: Float32Array.from(data) });
  }
  m.dispose();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-parity-'));
  file = path.join(dir, 'APViT_tiny.pth');
  writePth(file, { meta: { epoch: 40, CLASSES: ['Surprise', 'Fear', 'Disgust', 'Happiness', 'Sadness', 'Anger', 'Neutral'] }, state_dict: sd });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe.each(presentBackends())('official-format checkpoint on %s', (backend) => {
  it('loads strictly and matches the float64 reference (kept tokens, softmax 1e-5)', async () => {
    await initBackend(backend);
    const model = MODELS.build<PoolingVitClassifier>(tinyConfig('ir'));
    const { report } = await loadWeights(model as unknown as Model, file, new Logger({ console: false }));
    expect(report.missing).toEqual([]);
    expect(report.unexpected).toEqual([]);
    model.eval();
    const { trace, ref, worst } = tinyForwardVsReference(model, weights, 'ir', 5);
    model.dispose();
    expect(trace.app).toEqual(ref.app);
    expect(trace.atp).toEqual(ref.atp);
    expect(worst).toBeLessThan(1e-5);
  });
});
