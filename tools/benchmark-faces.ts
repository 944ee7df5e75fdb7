/**
 * Time per photo of the face path (detection + alignment + the classifier)
 * in Node per backend and in headless Chromium on wasm (the numbers of
 * docs/deploy.md and docs/performance.md):
 *
 *   npx tsx tools/benchmark-faces.ts CONFIG CHECKPOINT [--photo FILE] [--backends tensorflow,wasm] [--rounds N] [--no-browser] [--screenshot FILE.png]
 *
 * Node: the photo is decoded once; each round runs FaceDetector.detect
 * (BlazeFace, FaceMesh, the similarity warp) and then the model on every
 * aligned face, timed separately; one warm-up round first. Chromium: the model
 * is exported (float32), the demo page built and served on localhost, and the
 * photo uploaded `--rounds` times after a warm-up; the time is the page's own
 * (decoded pixels to scores, detection and alignment included).
 * Prints a Markdown table of medians. `--screenshot` saves the page after the
 * timed rounds: a fresh page with the photo uploaded once and its webcam
 * running on the photo (Chromium's fake camera).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import '../src';
import { loadFaceDetector } from '../src/data/face/node-models';
import { imread } from '../src/data/image/io';
import { exportModel } from '../src/export/write';
import { describeError } from '../src/runner/api/cli-errors';
import { loadRunConfig, selectBackend } from '../src/runner/api/cli';
import { inferenceBatch } from '../src/runner/api/infer';
import { initModel } from '../src/runner/api/test';
import { Logger } from '../src/runner/logger';
import { buildPage } from '../web/build';
import { chromiumMissing, detectPhotos, launchChromium, openPage } from '../web/drive';
import { serveStatic } from '../web/server';
import { parseArgv, runMain } from './lib/cli';
import { median } from './lib/median';
import { onFrame, writeY4m } from '../web/y4m';

const DEFAULT_PHOTO = path.join(__dirname, '../test/fixtures/faces/astronaut.jpg');

interface Row {
  where: string;
  detect?: number;
  model?: number;
  total: number;
  faces: number;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('benchmark-faces')
    .description('time per photo of face detection + alignment + the model, in Node and in headless Chromium')
    .argument('<config>', 'config file')
    .argument('<checkpoint>', 'checkpoint')
    .option('--photo <file>', 'the photo to time', DEFAULT_PHOTO)
    .option('--backends <list>', 'Node backends to time, comma-separated', 'tensorflow,wasm')
    .option('--rounds <n>', 'timed rounds after the warm-up', '10')
    .option('--no-browser', 'skip the Chromium measurement')
    .option('--screenshot <file>', 'save a PNG of the page: the photo, then the webcam playing it');
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const o = program.opts<{ photo: string; backends: string; rounds: string; browser: boolean; screenshot?: string }>();
  const [configFile, checkpoint] = program.args;
  const logger = new Logger();
  const rounds = Number(o.rounds);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-bench-faces-'));
  try {
    if (!Number.isInteger(rounds) || rounds < 1) throw new Error(`--rounds must be a positive integer, got '${o.rounds}'`);
    const rows: Row[] = [];
    const config = loadRunConfig(configFile, [], logger);
    for (const backend of o.backends.split(',')) {
      await selectBackend(backend, logger);
      const model = await initModel(config.cfg, checkpoint, logger);
      const detector = await loadFaceDetector();
      const photo = await imread(o.photo, { channelOrder: 'bgr' });
      const detect: number[] = [];
      const classify: number[] = [];
      let faces = 0;
      for (let r = 0; r <= rounds; r++) {
        const t0 = performance.now();
        const found = await detector.detect(photo, { channelOrder: 'bgr' });
        const t1 = performance.now();
        await inferenceBatch(model, found.map((f) => ({ decoded: f.aligned })));
        const t2 = performance.now();
        faces = found.length;
        if (r === 0) continue;
        detect.push(t1 - t0);
        classify.push(t2 - t1);
      }
      rows.push({ where: `Node, ${backend}`, detect: median(detect), model: median(classify), total: median(detect.map((d, i) => d + classify[i])), faces });
      detector.dispose();
      model.model.dispose?.();
    }
    if (o.browser) {
      const missing = chromiumMissing();
      if (missing) throw new Error(`browser measurement NOT run: ${missing} (or pass --no-browser)`);
      await selectBackend(o.backends.split(',')[0], logger);
      const model = await initModel(config.cfg, checkpoint, logger);
      await exportModel(model, path.join(tmp, 'model'), { dtype: 'float32' });
      await buildPage(path.join(tmp, 'dist'));
      const server = await serveStatic(path.join(tmp, 'dist'), { '/model/': path.join(tmp, 'model') });
      const webcam = path.join(tmp, 'webcam.y4m');
      const img = await imread(o.photo, { channelOrder: 'rgb' });
      // Y4M 4:2:0 needs even sides
      writeY4m(webcam, onFrame(img, img.shape[1] & ~1, img.shape[0] & ~1, 0, 0));
      const browser = await launchChromium({ fakeWebcam: webcam });
      try {
        const page = await openPage(browser, server.url, 'model/', 'wasm');
        await detectPhotos(page, [o.photo]);
        const times: number[] = [];
        let faces = 0;
        for (let r = 0; r < rounds; r++) {
          const [p] = await detectPhotos(page, [o.photo]);
          times.push(p.timeMs);
          faces = p.faces.length;
        }
        rows.push({ where: 'Chromium, wasm', total: median(times), faces });
        if (o.screenshot) {
          // a fresh page: the photo once, then the webcam
          const shot = await openPage(browser, server.url, 'model/', 'wasm');
          await detectPhotos(shot, [o.photo]);
          await shot.click('#webcam');
          await shot.waitForFunction(() => Number(document.body.dataset.frames ?? 0) >= 3, null, { timeout: 60000 });
          fs.mkdirSync(path.dirname(path.resolve(o.screenshot)), { recursive: true });
          // palette PNG: a docs image of a few hundred KB rather than MBs
          await sharp(await shot.screenshot({ fullPage: true })).png({ palette: true, quality: 80, compressionLevel: 9 }).toFile(o.screenshot);
          logger.info(`wrote ${o.screenshot}`);
        }
      } finally {
        await browser.close();
        await server.close();
      }
    }
    const f = (v?: number) => (v === undefined ? '—' : v.toFixed(1));
    process.stdout.write(`\nphoto ${path.basename(o.photo)}, medians of ${rounds} rounds after a warm-up\n\n`);
    process.stdout.write('| where | detection + alignment (ms) | model (ms) | per photo (ms) | faces |\n|---|---|---|---|---|\n');
    for (const r of rows) process.stdout.write(`| ${r.where} | ${f(r.detect)} | ${f(r.model)} | ${f(r.total)} | ${r.faces} |\n`);
    return 0;
  } catch (e) {
    logger.error(describeError(e));
    return 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

runMain(main);
