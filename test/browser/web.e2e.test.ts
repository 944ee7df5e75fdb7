/**
 * End to end in real Chromium: a small APViT exported as float32/float16/uint8,
 * the demo page built with Vite and served on localhost, two demo faces
 * uploaded through the file input with face finding off (they are aligned crops); the page's probabilities must equal
 * tools/infer.ts's (float32: within 1e-4 on wasm, 1e-3 on webgl) and keep its
 * top-1 (float16, uint8).
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
import type { ExportDType } from '../../src/export/format';
import { exportModel } from '../../src/export/write';
import { initModel } from '../../src/runner/api/test';
import { buildPage } from '../../web/build';
import { chromiumMissing, classify, launchChromium, openPage } from '../../web/drive';
import { serveStatic, type StaticServer } from '../../web/server';
import { memoryLogger } from '../harness/toy';
import { makeApvitFixture } from './apvit-fixture';

const ROOT = path.resolve(__dirname, '../..');
const missing = chromiumMissing();
if (missing && process.env.FER_MM_REQUIRE_BROWSER !== '1') {
  console.warn(`\n*** browser test NOT run: ${missing} ***\n`);
}
const maybe = missing && process.env.FER_MM_REQUIRE_BROWSER !== '1' ? describe.skip : describe;

const DTYPES: ExportDType[] = ['float32', 'float16', 'uint8'];
let dir: string;
let server: StaticServer;
let browser: Browser | undefined;
let images: string[];
let expected: Array<{ file: string; class_scores: number[]; pred_label: number }>;

maybe('demo page in Chromium', () => {
  beforeAll(async () => {
    if (missing) throw new Error(`FER_MM_REQUIRE_BROWSER=1 but ${missing}`);
    await initBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-e2e-'));
    const fx = await makeApvitFixture(dir);
    images = fx.images.slice(0, 2);
    const m = await initModel(fx.config, fx.checkpoint, memoryLogger());
    for (const dtype of DTYPES) await exportModel(m, path.join(dir, dtype), { dtype });
    m.model.dispose?.();
    const out = path.join(dir, 'infer.json');
    await Promise.all([
      promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsx'), [path.join(ROOT, 'tools/infer.ts'), fx.config, fx.checkpoint, ...images, '--out', out, '--backend', 'cpu']),
      buildPage(path.join(dir, 'dist')),
    ]);
    expected = JSON.parse(fs.readFileSync(out, 'utf8'));
    server = await serveStatic(path.join(dir, 'dist'), Object.fromEntries(DTYPES.map((d) => [`/${d}/`, path.join(dir, d)])));
    browser = await launchChromium();
  }, 180000);
  afterAll(async () => {
    await browser?.close();
    await server?.close();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it('float32 export on wasm: the probabilities equal tools/infer.ts within 1e-4, and APViT patches are reported', async () => {
    const page = await openPage(browser!, server.url, 'float32/', 'wasm', { detect: '0' });
    expect(await page.getAttribute('body', 'data-backend')).toBe('wasm');
    const got = await classify(page, images);
    expect(got.map((r) => r.file)).toEqual(images.map((f) => path.basename(f)));
    got.forEach((r, i) => {
      expect(r.probabilities).toHaveLength(7);
      r.probabilities.forEach((p, k) => expect(Math.abs(p - expected[i].class_scores[k])).toBeLessThan(1e-4));
      expect(r.label).toBe(expected[i].pred_label);
    });
    // two different faces, two different answers: a constant output could not pass
    expect(got[0].probabilities).not.toEqual(got[1].probabilities);
    expect(await page.textContent('.result .meta')).toMatch(/ms on wasm · \d+ of 16 patches kept/);
    await page.close();
  }, 60000);

  it('float32 export on webgl (SwiftShader here) keeps the top-1 class, probabilities within 1e-3', async () => {
    const page = await openPage(browser!, server.url, 'float32/', 'webgl', { detect: '0' });
    expect(await page.getAttribute('body', 'data-backend')).toBe('webgl');
    const got = await classify(page, images);
    got.forEach((r, i) => {
      expect(r.label).toBe(expected[i].pred_label);
      r.probabilities.forEach((p, k) => expect(Math.abs(p - expected[i].class_scores[k])).toBeLessThan(1e-3));
    });
    await page.close();
  }, 90000);

  it.each(['float16', 'uint8'])('%s export on wasm keeps the top-1 class of tools/infer.ts', async (dtype) => {
    const page = await openPage(browser!, server.url, `${dtype}/`, 'wasm', { detect: '0' });
    const got = await classify(page, images);
    got.forEach((r, i) => expect(r.label).toBe(expected[i].pred_label));
    await page.close();
  }, 60000);
});
