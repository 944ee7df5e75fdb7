/**
 * Faces in the tools and the inference API: inferenceModel(..., { detect: true })
 * on a real photo and a faceless one, the DetectAlignFace pipeline step, and
 * tools/align-faces.ts on RAF-DB and ImageFolder layouts (aligned copies,
 * labels copied, faceless images reported).
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import '../../src';
import '../harness/toy-plugin';
import { initBackend } from '../../src/backend/backend';
import { saveCheckpoint } from '../../src/checkpoint/load';
import { makeDemoData } from '../../src/data/demo-data';
import { sharedFaceDetector } from '../../src/data/face/node-models';
import { imread, imwrite } from '../../src/data/image/io';
import type { Transform } from '../../src/data/types';
import { TRANSFORMS } from '../../src/registry/root';
import { buildModel } from '../../src/runner/api/build';
import { inferenceBatch, inferenceModel } from '../../src/runner/api/infer';
import { initModel } from '../../src/runner/api/test';
import { tf } from '../../src/tf';
import { Rng } from '../../src/utils/rng';
import { ASTRONAUT, astronaut, noFace } from '../data/face-photos';
import { toyToolConfig } from '../harness/tool-config';
import { memoryLogger } from '../harness/toy';

const ROOT = path.resolve(__dirname, '../..');
let dir: string;

beforeAll(async () => {
  await initBackend('wasm');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-face-tools-'));
  await imwrite(path.join(dir, 'no-face.png'), noFace(), { channelOrder: 'rgb' });
}, 60000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('inferenceModel with detect', () => {
  it('classifies the face of a photo as its aligned crop, and says "no face found" for a faceless one', async () => {
    await makeDemoData(path.join(dir, 'data'), { train: 7, test: 7, size: 16 });
    const cfg = toyToolConfig(path.join(dir, 'data')) as unknown as Record<string, unknown>;
    const built = await buildModel(cfg, { loadPretrained: false });
    const ckpt = saveCheckpoint(path.join(dir, 'toy'), { stateDict: built.stateDict(), meta: {} });
    const model = await initModel(cfg, ckpt, memoryLogger());
    await inferenceModel(model, ASTRONAUT, { detect: true });
    const before = tf.memory().numTensors;
    const r = await inferenceModel(model, ASTRONAUT, { detect: true });
    expect(tf.memory().numTensors).toBe(before);
    expect([r.width, r.height]).toEqual([256, 256]);
    expect(r.faces).toHaveLength(1);
    const [f] = r.faces;
    expect(f.box[0]).toBeGreaterThan(80);
    expect(f.box[2]).toBeLessThan(145);
    expect(f.landmarks).toHaveLength(5);
    expect(f.probabilities.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
    expect(f.pred_score).toBe(Math.max(...f.probabilities));
    // the same scores as classifying the detector's aligned crop directly (BGR: the pipeline's order)
    const [face] = await (await sharedFaceDetector()).detect(await imread(ASTRONAUT), { channelOrder: 'bgr' });
    const [direct] = await inferenceBatch(model, [{ decoded: face.aligned }]);
    expect(f.probabilities).toEqual(direct.class_scores);
    // and not the whole-photo answer
    const whole = await inferenceModel(model, ASTRONAUT);
    expect(whole.class_scores).not.toEqual(f.probabilities);
    const none = await inferenceModel(model, path.join(dir, 'no-face.png'), { detect: true });
    expect(none).toEqual({ width: 300, height: 200, faces: [], message: 'no face found' });
  }, 60000);
});

describe('DetectAlignFace', () => {
  it('replaces the photo with its aligned face, and keeps, drops or rejects a faceless image as configured', async () => {
    const step = TRANSFORMS.build<Transform>({ type: 'DetectAlignFace', size: 112, channel_order: 'rgb' }, { path: 'pipeline[1]' });
    const out = await step.transform({ img: await astronaut(), img_info: { filename: 'astronaut.jpg' } }, new Rng([0]));
    expect(out!.img!.shape).toEqual([112, 112, 3]);
    expect((out as { face_box: number[] }).face_box).toHaveLength(4);
    const faceless = { img: noFace(), img_info: { filename: 'no-face.png' } };
    const keep = await step.transform(faceless, new Rng([0]));
    expect(keep!.img!.shape).toEqual([200, 300, 3]);
    const drop = TRANSFORMS.build<Transform>({ type: 'DetectAlignFace', on_missing: 'drop' }, { path: 'p' });
    expect(await drop.transform({ ...faceless }, new Rng([0]))).toBeNull();
    const fail = TRANSFORMS.build<Transform>({ type: 'DetectAlignFace', on_missing: 'error' }, { path: 'p' });
    await expect(Promise.resolve(fail.transform({ ...faceless }, new Rng([0])))).rejects.toThrow(/no face found in no-face\.png/);
    expect(() => TRANSFORMS.build({ type: 'DetectAlignFace', on_missing: 'skip' }, { path: 'data.train.pipeline[1]' })).toThrow(/data\.train\.pipeline\[1\]/);
  }, 30000);
});

describe('tools/align-faces.ts', () => {
  it('aligns a RAF-DB folder into Image/aligned and an ImageFolder in place, copies the labels and reports faceless images', async () => {
    const src = path.join(dir, 'raw');
    fs.mkdirSync(path.join(src, 'Image/original'), { recursive: true });
    fs.mkdirSync(path.join(src, 'EmoLabel'), { recursive: true });
    fs.mkdirSync(path.join(src, 'happy'), { recursive: true });
    fs.copyFileSync(ASTRONAUT, path.join(src, 'Image/original/train_00001.jpg'));
    fs.copyFileSync(path.join(dir, 'no-face.png'), path.join(src, 'Image/original/train_00002.png'));
    fs.writeFileSync(path.join(src, 'EmoLabel/list_patition_label.txt'), 'train_00001.jpg 4\ntrain_00002.png 7\n');
    fs.copyFileSync(ASTRONAUT, path.join(src, 'happy/a.jpg'));
    const dst = path.join(dir, 'aligned');
    const { stderr } = await promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'tools/align-faces.ts'), src, dst, '--backend', 'wasm', '--size', '112']);
    expect(stderr).toMatch(/align: 3\/3/);
    expect(stderr).toMatch(/no face found in 1 images[\s\S]*train_00002\.png/);
    expect(fs.readFileSync(path.join(dst, 'EmoLabel/list_patition_label.txt'), 'utf8')).toBe('train_00001.jpg 4\ntrain_00002.png 7\n');
    for (const f of ['Image/aligned/train_00001.jpg', 'happy/a.jpg']) expect(await sharp(path.join(dst, f)).metadata()).toMatchObject({ width: 112, height: 112 });
    expect(fs.existsSync(path.join(dst, 'Image/aligned/train_00002.png'))).toBe(false);
    const report = JSON.parse(fs.readFileSync(path.join(dst, 'align-faces-report.json'), 'utf8'));
    expect(report).toMatchObject({ images: 3, aligned: 2, size: 112, no_face: [path.join('Image', 'original', 'train_00002.png')] });
  }, 120000);
});
