/**
 * Export sizes and per-image times of the demo page in headless Chromium, per
 * dtype and backend (the numbers of docs/deploy.md):
 *
 *   npx tsx tools/benchmark-browser.ts CONFIG CHECKPOINT [--backends wasm,webgl] [--dtypes float32,float16,uint8] [--images N] [--rounds N] [--screenshot FILE.png]
 *
 * Exports the model per dtype, builds the page (Vite), serves it on
 * localhost, and classifies N generated 112x112 demo faces through the file
 * input: one warm-up round (weights upload, shader compilation), then
 * `--rounds` timed rounds; the time is the page's own (pixels to scores). The
 * last column counts the faces whose top-1 class equals the first dtype's on
 * the same backend.
 * `--screenshot` saves the page after classifying two faces (float32, first backend).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Command } from 'commander';
import '../src';
import { makeDemoData } from '../src/data/demo-data';
import { EXPORT_DTYPES, type ExportDType } from '../src/export/format';
import { exportModel, type ExportReport } from '../src/export/write';
import { describeError } from '../src/runner/api/cli-errors';
import { loadRunConfig, selectBackend } from '../src/runner/api/cli';
import { initModel } from '../src/runner/api/test';
import { Logger } from '../src/runner/logger';
import { buildPage } from '../web/build';
import { chromiumMissing, classify, launchChromium, openPage } from '../web/drive';
import { serveStatic } from '../web/server';
import { parseArgv, runMain } from './lib/cli';
import { median } from './lib/median';

async function main(argv: string[]): Promise<number> {
  const program = new Command('benchmark-browser')
    .description('export sizes and per-image times of the demo page in headless Chromium')
    .argument('<config>', 'config file')
    .argument('<checkpoint>', 'checkpoint')
    .option('--backends <list>', 'browser backends to time, comma-separated', 'wasm,webgl')
    .option('--dtypes <list>', 'export dtypes, comma-separated', EXPORT_DTYPES.join(','))
    .option('--images <n>', 'faces per round', '7')
    .option('--rounds <n>', 'timed rounds after the warm-up', '3')
    .option('--screenshot <file>', 'save a PNG of the page (float32, first backend, two faces)');
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const o = program.opts<{ backends: string; dtypes: string; images: string; rounds: string; screenshot?: string }>();
  const [configFile, checkpoint] = program.args;
  const logger = new Logger();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-bench-browser-'));
  try {
    const missing = chromiumMissing();
    if (missing) throw new Error(`browser benchmark NOT run: ${missing}`);
    const dtypes = o.dtypes.split(',') as ExportDType[];
    for (const d of dtypes) if (!EXPORT_DTYPES.includes(d)) throw new Error(`--dtypes: '${d}' is not one of ${EXPORT_DTYPES.join(', ')}`);
    const backends = o.backends.split(',');
    const n = Number(o.images);
    const rounds = Number(o.rounds);
    if (!(n >= 1 && rounds >= 1)) throw new Error('--images and --rounds must be at least 1');
    await selectBackend(undefined, logger);
    const m = await initModel(loadRunConfig(configFile, undefined, logger).cfg, checkpoint, logger);
    const reports = new Map<ExportDType, ExportReport>();
    for (const d of dtypes) reports.set(d, await exportModel(m, path.join(tmp, d), { dtype: d }));
    m.model.dispose?.();
    await makeDemoData(path.join(tmp, 'faces'), { train: 7, test: Math.max(7, n), size: 112 });
    const faceDir = path.join(tmp, 'faces/Image/aligned');
    const faces = fs.readdirSync(faceDir).filter((f) => f.startsWith('test_')).sort().slice(0, n).map((f) => path.join(faceDir, f));
    await buildPage(path.join(tmp, 'dist'));
    const server = await serveStatic(path.join(tmp, 'dist'), Object.fromEntries(dtypes.map((d) => [`/${d}/`, path.join(tmp, d)])));
    const browser = await launchChromium();
    const rows: string[] = [];
    // top-1 of each face under the first dtype (float32 by default), per backend: the agreement column
    const reference = new Map<string, number[]>();
    try {
      for (const backend of backends) {
        for (const d of dtypes) {
          const page = await openPage(browser, server.url, `${d}/`, backend, { detect: '0' });
          const got = await page.getAttribute('body', 'data-backend');
          if (got !== backend) throw new Error(`the page runs on ${got}, not ${backend}`);
          const warm = await classify(page, faces);
          const times: number[] = [];
          for (let r = 0; r < rounds; r++) times.push(...(await classify(page, faces)).map((x) => x.timeMs));
          if (!reference.has(backend)) reference.set(backend, warm.map((x) => x.label));
          const same = warm.filter((x, i) => x.label === reference.get(backend)![i]).length;
          const rep = reports.get(d)!;
          const kib = rep.files.slice(1).reduce((s, [, b]) => s + b, 0) / 1024;
          rows.push(`| ${backend} | ${d} | ${kib.toFixed(0)} KiB | ${warm[0].timeMs.toFixed(1)} | ${median(times).toFixed(1)} | ${same}/${warm.length} |`);
          logger.info(`${backend} ${d}: median ${median(times).toFixed(1)} ms/image over ${times.length}`);
          if (o.screenshot && d === dtypes[0] && backend === backends[0]) {
            await page.reload();
            await page.waitForSelector('body[data-state="ready"]');
            await classify(page, faces.slice(0, 2));
            fs.mkdirSync(path.dirname(path.resolve(o.screenshot)), { recursive: true });
            await page.screenshot({ path: o.screenshot, fullPage: true });
            logger.info(`wrote ${o.screenshot}`);
          }
          await page.close();
        }
      }
    } finally {
      await browser.close();
      await server.close();
    }
    const ua = `${os.cpus().length} CPU cores (${os.cpus()[0]?.model ?? 'unknown CPU'})`;
    process.stdout.write(
      `${configFile}, ${n} images x ${rounds} rounds, headless Chromium on ${ua}\n\n` +
        `| backend | dtype | weights | first image (ms) | median ms/image | top-1 as ${dtypes[0]} |\n|---|---|---|---|---|---|\n${rows.join('\n')}\n`,
    );
    return 0;
  } catch (e) {
    logger.error(describeError(e));
    return 1;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

runMain(main);
