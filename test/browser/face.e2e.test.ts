/**
 * Photos and the webcam in real Chromium, with face finding on: the demo page
 * (a small seeded APViT exported as float32) gets the test photo, two faces
 * side by side and a faceless picture; every face's box must match
 * `tools/infer.ts --detect` within a pixel and its probabilities within 1e-4
 * (both on wasm). Chromium's fake webcam then plays the photo: frames are
 * detected and classified in a requestAnimationFrame loop, with the face's
 * box drawn and the frame rate shown.
 * Without Chromium it is skipped loudly, or fails when FER_MM_REQUIRE_BROWSER=1.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import type { Browser } from 'playwright-core';
import '../../src';
import { initBackend } from '../../src/backend/backend';
import { imwrite } from '../../src/data/image/io';
import { exportModel } from '../../src/export/write';
import { initModel } from '../../src/runner/api/test';
import { buildPage } from '../../web/build';
import { chromiumMissing, detectPhotos, launchChromium, openPage } from '../../web/drive';
import { serveStatic, type StaticServer } from '../../web/server';
import { ASTRONAUT, astronaut, noFace, twoFaces } from '../data/face-photos';
import { memoryLogger } from '../harness/toy';
import { makeApvitFixture } from './apvit-fixture';
import { onFrame, writeY4m } from '../../web/y4m';

const ROOT = path.resolve(__dirname, '../..');
const CAM_X = 32;
const missing = chromiumMissing();
if (missing && process.env.FER_MM_REQUIRE_BROWSER !== '1') {
  console.warn(`\n*** browser test NOT run: ${missing} ***\n`);
}
const maybe = missing && process.env.FER_MM_REQUIRE_BROWSER !== '1' ? describe.skip : describe;

interface InferFace {
  box: number[];
  probabilities: number[];
  pred_label: number;
}
let dir: string;
let server: StaticServer;
let browser: Browser | undefined;
let photos: string[];
let expected: Array<{ file: string; faces: InferFace[] }>;

maybe('demo page finding faces in Chromium', () => {
  beforeAll(async () => {
    if (missing) throw new Error(`FER_MM_REQUIRE_BROWSER=1 but ${missing}`);
    await initBackend('wasm');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-face-e2e-'));
    const fx = await makeApvitFixture(dir);
    const img = await astronaut();
    photos = [ASTRONAUT, path.join(dir, 'two-faces.png'), path.join(dir, 'no-face.png')];
    await imwrite(photos[1], twoFaces(img), { channelOrder: 'rgb' });
    await imwrite(photos[2], noFace(), { channelOrder: 'rgb' });
    // the page asks for 320x240 frames: the photo, top 240 rows, centred on a black 320x240 frame
    writeY4m(path.join(dir, 'webcam.y4m'), onFrame(img, 320, 240, CAM_X, 0));
    const m = await initModel(fx.config, fx.checkpoint, memoryLogger());
    await exportModel(m, path.join(dir, 'float32'), { dtype: 'float32' });
    m.model.dispose?.();
    const out = path.join(dir, 'infer.json');
    await Promise.all([
      promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'tools/infer.ts'), fx.config, fx.checkpoint, ...photos, '--detect', '--out', out, '--backend', 'wasm']),
      buildPage(path.join(dir, 'dist')),
    ]);
    expected = JSON.parse(fs.readFileSync(out, 'utf8'));
    server = await serveStatic(path.join(dir, 'dist'), { '/float32/': path.join(dir, 'float32') });
    browser = await launchChromium({ fakeWebcam: path.join(dir, 'webcam.y4m') });
  }, 240000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('photos: every face boxed as tools/infer.ts --detect boxes it (within a pixel), probabilities within 1e-4 on wasm', async () => {
    expect(expected.map((e) => e.faces.length)).toEqual([1, 2, 0]);
    const page = await openPage(browser!, server.url, 'float32/', 'wasm');
    const got = await detectPhotos(page, photos);
    expect(got.map((p) => p.file)).toEqual(photos.map((f) => path.basename(f)));
    got.forEach((p, i) => {
      expect(p.faces).toHaveLength(expected[i].faces.length);
      p.faces.forEach((f, k) => {
        const e = expected[i].faces[k];
        f.box.forEach((v, j) => expect(Math.abs(v - e.box[j])).toBeLessThan(1));
        f.probabilities.forEach((v, j) => expect(Math.abs(v - e.probabilities[j])).toBeLessThan(1e-4));
        expect(f.label).toBe(e.pred_label);
      });
    });
    expect(await page.textContent('.photo:first-child .meta')).toMatch(/no face found/);
    await page.close();
  }, 90000);

  it('webcam: frames are detected and classified in a loop, with the box on the face and the frame rate shown', async () => {
    const page = await openPage(browser!, server.url, 'float32/', 'wasm');
    await page.click('#webcam');
    await page.waitForFunction(() => Number(document.body.dataset.frames ?? 0) >= 3 || /webcam:/.test(document.getElementById('status')?.textContent ?? ''), null, { timeout: 60000 });
    expect(await page.textContent('#status')).not.toMatch(/webcam:/);
    expect(await page.getAttribute('body', 'data-live-size')).toBe('320x240');
    const faces = JSON.parse((await page.getAttribute('body', 'data-live-faces')) ?? '[]') as InferFace[];
    expect(faces).toHaveLength(1);
    // the fake camera plays the photo (through YUV 4:2:0, so not bit-exact): the box lands on the face
    const e = expected[0].faces[0].box;
    faces[0].box.forEach((v, j) => expect(Math.abs(v - (j % 2 ? 0 : CAM_X) - e[j])).toBeLessThan(4));
    expect(await page.textContent('#fps')).toMatch(/^\d+\.\d frames\/s$/);
    expect(await page.locator('#live-results .result').count()).toBe(1);
    await page.close();
  }, 90000);
});
