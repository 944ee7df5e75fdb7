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

export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  // --no-sandbox: CI runs as root, where Chromium's sandbox refuses to start
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--enable-unsafe-swiftshader', '--ignore-gpu-blocklist'] });
}

export interface PageResult {
  file: string;
  probabilities: number[];
  label: number;
  timeMs: number;
}

/** Opens the page with `?model=...&backend=...` and waits until the model is loaded; throws the page's error text. */
export async function openPage(browser: Browser, url: string, model: string, backend?: string): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 900, height: 700 } });
  const q = new URLSearchParams({ model, ...(backend ? { backend } : {}) });
  await page.goto(`${url}?${q}`);
  await page.waitForSelector('body[data-state="ready"], body[data-state="error"]', { timeout: 60000 });
  if ((await page.getAttribute('body', 'data-state')) === 'error') throw new Error(`page: ${await page.textContent('#status')}`);
  return page;
}

/** Uploads `files` through the file input and returns what the page shows for them (full precision), in upload order. */
export async function classify(page: Page, files: string[]): Promise<PageResult[]> {
  const before = Number((await page.getAttribute('body', 'data-done')) ?? 0);
  await page.setInputFiles('#file', files);
  await page.waitForSelector(`body[data-done="${before + files.length}"]`, { timeout: 60000 });
  const rows = await page.$$eval('.result', (els) =>
    els.map((e) => {
      const d = (e as HTMLElement).dataset;
      return { file: d.file ?? '', probabilities: JSON.parse(d.probabilities ?? '[]') as number[], label: Number(d.label), timeMs: Number(d.timeMs) };
    }),
  );
  // newest first on the page
  return rows.slice(0, files.length).reverse();
}
