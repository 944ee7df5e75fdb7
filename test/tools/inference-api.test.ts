/** initModel + inferenceModel: one build, the same answer for a path, its bytes and its pixels; streaming inferFiles. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import sharp from 'sharp';
import '../../src';
import '../harness/toy-plugin';
import { initBackend } from '../../src/backend/backend';
import { saveCheckpoint } from '../../src/checkpoint/load';
import { makeDemoData } from '../../src/data/demo-data';
import { MODELS } from '../../src/registry/root';
import { buildModel } from '../../src/runner/api/build';
import { inferFiles, inferenceModel } from '../../src/runner/api/infer';
import { initModel } from '../../src/runner/api/test';
import { tf } from '../../src/tf';
import { toyToolConfig } from '../harness/tool-config';
import { memoryLogger } from '../harness/toy';

let dir: string;
let cfg: Record<string, unknown>;
let ckpt: string;
let images: string[];

beforeAll(async () => {
  await initBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-infapi-'));
  await makeDemoData(path.join(dir, 'data'), { train: 7, test: 9, size: 16 });
  cfg = toyToolConfig(path.join(dir, 'data')) as unknown as Record<string, unknown>;
  const model = await buildModel(cfg, { loadPretrained: false });
  ckpt = saveCheckpoint(path.join(dir, 'toy'), { stateDict: model.stateDict(), meta: { CLASSES: ['a', 'b', 'c', 'd', 'e', 'f', 'g'] } });
  const imgDir = path.join(dir, 'data/Image/aligned');
  images = fs.readdirSync(imgDir).filter((f) => f.startsWith('test_')).sort().map((f) => path.join(imgDir, f));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('inference API', () => {
  it('builds the model once; a path, its encoded bytes and its RGB pixels as a tensor give the same scores', async () => {
    const build = jest.spyOn(MODELS, 'build');
    const model = await initModel(cfg, ckpt, memoryLogger());
    const byPath = await inferenceModel(model, images[0]);
    const byBytes = await inferenceModel(model, fs.readFileSync(images[0]));
    const { data, info } = await sharp(images[0]).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    const t = tf.tensor3d(new Uint8Array(data), [info.height, info.width, 3], 'int32');
    const before = tf.memory().numTensors;
    const byTensor = await inferenceModel(model, t);
    expect(tf.memory().numTensors).toBe(before); // nothing left behind
    t.dispose();
    expect(build).toHaveBeenCalledTimes(1);
    build.mockRestore();
    expect(byPath.class_scores).toHaveLength(7);
    expect(byBytes.class_scores).toEqual(byPath.class_scores);
    expect(byTensor.class_scores).toEqual(byPath.class_scores);
    expect(byPath.pred_class).toBe(['a', 'b', 'c', 'd', 'e', 'f', 'g'][byPath.pred_label]);
    expect(byPath.pred_score).toBe(Math.max(...byPath.class_scores));
  });

  it('inferFiles streams batches in order and matches one-by-one inference', async () => {
    const model = await initModel(cfg, ckpt, memoryLogger());
    const batches: Array<{ files: string[]; done: number }> = [];
    const all: number[][] = [];
    await inferFiles(model, images, { batchSize: 4, onBatch: (res, done) => void (batches.push({ files: res.map((r) => r.file), done }), all.push(...res.map((r) => r.class_scores))) });
    expect(batches.map((b) => b.done)).toEqual([4, 8, 9]);
    expect(batches.flatMap((b) => b.files)).toEqual(images);
    const single = await inferenceModel(model, images[5]);
    for (let i = 0; i < 7; i++) expect(all[5][i]).toBeCloseTo(single.class_scores[i], 6);
  });

  it('says which image a tensor of the wrong shape was', async () => {
    const model = await initModel(cfg, ckpt, memoryLogger());
    const bad = tf.zeros([4, 4]);
    await expect(inferenceModel(model, bad)).rejects.toThrow(/\[H, W, 3\] RGB, got \[4,4\]/);
    bad.dispose();
  });
});
