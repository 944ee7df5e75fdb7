/**
 * A small APViT to export in tests: the tiny config of test/apvit/tiny.ts
 * (32 px input, 4x4 tokens) with seeded random weights, saved as a
 * checkpoint, plus a config file whose test pipeline reads 112x112 demo faces.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { saveCheckpoint } from '../../src/checkpoint/load';
import { makeDemoData } from '../../src/data/demo-data';
import { buildModel } from '../../src/runner/api/build';
import { importCustomModules } from '../../src/plugin-loader/loader';
import { randomizeWeights, tinyConfig } from '../apvit/tiny';
import { toyToolConfig } from '../harness/tool-config';

export interface ApvitFixture {
  config: string;
  checkpoint: string;
  /** Test-split demo faces (112x112 PNG), sorted. */
  images: string[];
}

export const FIXTURE_NORM = { type: 'Normalize', mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], to_rgb: true };

/** Writes data/, apvit.json and apvit.safetensors under `dir`. */
export async function makeApvitFixture(dir: string, seed = 3): Promise<ApvitFixture> {
  await makeDemoData(path.join(dir, 'data'), { train: 7, test: 7, size: 112 });
  const base = toyToolConfig(path.join(dir, 'data'));
  const testPipe = [{ type: 'LoadImageFromFile' }, { type: 'Resize', size: 32 }, FIXTURE_NORM, { type: 'ImageToTensor', keys: ['img'] }, { type: 'Collect', keys: ['img'] }];
  const cfg = {
    // the tools load the APViT package as any config does (by path: this config lives outside the
    // repo, where the package name does not resolve); this process loads it the same way
    custom_imports: { imports: [path.resolve(__dirname, '../../plugins/apvit')] },
    model: tinyConfig('ir'),
    data: { ...base.data, val: { ...base.data.val, pipeline: testPipe }, test: { ...base.data.test, pipeline: testPipe } },
  };
  const config = path.join(dir, 'apvit.json');
  fs.writeFileSync(config, JSON.stringify(cfg, null, 1));
  importCustomModules(cfg.custom_imports, config);
  const model = await buildModel(cfg as never, { loadPretrained: false });
  randomizeWeights(model as never, seed);
  const checkpoint = saveCheckpoint(path.join(dir, 'apvit'), { stateDict: model.stateDict(), meta: {} });
  model.dispose?.();
  const imgDir = path.join(dir, 'data/Image/aligned');
  const images = fs.readdirSync(imgDir).filter((f) => f.startsWith('test_')).sort().map((f) => path.join(imgDir, f));
  return { config, checkpoint, images };
}
