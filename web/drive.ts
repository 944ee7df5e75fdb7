/**
 * Drives the demo page in headless Chromium with playwright-core (Node; the
 * e2e test, tools/benchmark-browser.ts and the docs screenshot use it).
 * Uses the system Chromium (`apt-get install chromium`); nothing is downloaded.
 */
import * as fs from 'node:fs';
import type { Browser, Page } from 'playwright-core';

export const CHROMIUM = process.env.FER_MM_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser cannot run here, or undefined when it can. */
export function chromiumMissing(): string | undefined {
  return fs.existsSync(CHROMIUM) ? undefined : `${CHROMIUM} not found (apt-get install chromium, or set FER_MM_CHROMIUM)`;
}

/** `fakeWebcam`: a .y4m or .mjpeg file Chromium plays as the webcam (getUserMedia granted without asking). */
export async function launchChromium(opts: { fakeWebcam?: string } = {}): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  const webcam = opts.fakeWebcam ? ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream', `--use-file-for-fake-video-capture=${opts.fakeWebcam}`] : [];
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist', ...webcam] });
}

export interface PageResult {
  file: string;
  probabilities: number[];
  label: number;
  timeMs: number;
}

/**
 * Opens the page with `?model=...&backend=...` (and `params`, e.g. `{ detect: '0' }` for
 * already aligned faces) and waits until the model is loaded; throws the page's error text.
 */
export async function openPage(browser: Browser, url: string, model: string, backend?: string, params: Record<string, string> = {}): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  const q = new URLSearchParams({ model, ...(backend ? { backend } : {}), ...params });
  await page.goto(`${url}?${q}`);
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60000 });
  if ((await page.getAttribute('body', 'data-state')) === 'error') throw new Error(`page: ${await page.textContent('#status')}`);
  return page;
}

/** One photo as the page shows it with "find faces" on: each face's box, landmarks, score and probabilities. */
export interface PagePhoto {
  file: string;
  faces: { box: number[]; landmarks: number[][]; score: number; probabilities: number[]; label: number }[];
  timeMs: number;
}

/** Uploads photos (the page finding faces) and returns each photo's faces, in upload order. */
export async function detectPhotos(page: Page, files: string[]): Promise<PagePhoto[]> {
  await upload(page, files);
  const rows = await page.$$eval('.photo', (els) =>
    els.map((e) => {
      const d = (e as HTMLElement).dataset;
      return { file: d.file ?? '', faces: JSON.parse(d.faces ?? '[]') as PagePhoto['faces'], timeMs: Number(d.timeMs) };
    }),
  );
  return rows.slice(0, files.length).reverse();
}

async function upload(page: Page, files: string[]): Promise<void> {
  const before = Number((await page.getAttribute('body', 'data-done')) ?? 0);
  await page.setInputFiles('#file', files);
  await page.waitForSelector(`body[data-done="${before + files.length}"]`, { timeout: 60000 });
}

/** Uploads `files` through the file input and returns what the page shows for them (full precision), in upload order. */
export async function classify(page: Page, files: string[]): Promise<PageResult[]> {
  await upload(page, files);
  const rows = await page.$$eval('.result', (els) =>
    els.map((e) => {
      const d = (e as HTMLElement).dataset;
      return { file: d.file ?? '', probabilities: JSON.parse(d.probabilities ?? '[]') as number[], label: Number(d.label), timeMs: Number(d.timeMs) };
    }),
  );
  // newest first on the page
  return rows.slice(0, files.length).reverse();
}
