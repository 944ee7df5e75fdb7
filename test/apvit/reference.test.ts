/**
 * The whole APViT model (tiny config, random weights, eval mode) against the
 * independent float64 forward of ./reference.ts: same kept tokens at every
 * cut (APP and each ATP block), softmax within 1e-5, on every backend present.
 */
import { presentBackends } from '../harness/backends';
import { initBackend } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import '@fer-mm/apvit';
import type { PoolingVitClassifier } from '@fer-mm/apvit';
import { randomizeWeights, tinyConfig, tinyForwardVsReference } from './tiny';
import { toT64, type Weights } from './reference';


function weightsOf(m: PoolingVitClassifier): Weights {
  const ws: Weights = new Map();
  for (const [k, v] of m.stateDict()) ws.set(k, toT64([...v.shape], v.dataSync()));
  return ws;
}

describe.each(presentBackends().flatMap((b) => [[b, 'ir'] as const, [b, 'ir_se'] as const]))('APViT forward on %s (mode %s) matches a float64 reference', (backend, mode) => {
  let model: PoolingVitClassifier;
  beforeAll(async () => {
    await initBackend(backend);
    model = MODELS.build<PoolingVitClassifier>(tinyConfig(mode));
    randomizeWeights(model, mode === 'ir' ? 11 : 12);
    model.eval();
  });
  afterAll(() => model?.dispose());

  it('keeps the same tokens at every cut and gives the same softmax (1e-5)', () => {
    const { trace, ref, worst } = tinyForwardVsReference(model, weightsOf(model), mode, 99);
    // cuts: APP 16 -> 12; block 1: trunc(12*0.9)=10; block 2: trunc(10*0.75)=7 (+ CLS)
    expect(ref.app.map((k) => k.length)).toEqual([12, 12, 12]);
    expect(ref.atp[0]).toBeNull();
    expect(ref.atp[1]!.map((k) => k.length)).toEqual([11, 11, 11]);
    expect(ref.atp[2]!.map((k) => k.length)).toEqual([8, 8, 8]);
    expect(trace.app).toEqual(ref.app);
    expect(trace.atp).toEqual(ref.atp);
    // the selection is not trivial: different samples keep different tokens
    expect(new Set(ref.app.map((k) => k.join(','))).size).toBeGreaterThan(1);
    expect(worst).toBeLessThan(1e-5);
    // and the prediction is not uniform (random head)
    expect(Math.max(...ref.probs[0])).toBeGreaterThan(0.2);
  });
});
