/** Builds the demo page with the repository's Vite (Node; `ferMmBrowser()` fails the build on Node built-ins). */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

export const WEB_DIR = __dirname;
const ROOT = path.resolve(__dirname, '..');

/** `vite build web` into `outDir` (default web/dist); rejects with Vite's output when the build fails. */
export async function buildPage(outDir = path.join(WEB_DIR, 'dist')): Promise<string> {
  const vite = path.join(ROOT, 'node_modules/.bin/vite');
  try {
    await promisify(execFile)(vite, ['build', WEB_DIR, '--outDir', outDir, '--emptyOutDir', '--logLevel', 'warn'], {
      cwd: ROOT,
      maxBuffer: 1 << 24,
      env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' },
    });
  } catch (e) {
    const { stdout, stderr } = e as { stdout?: string; stderr?: string };
    throw new Error(`vite build of ${WEB_DIR} failed:\n${stdout ?? ''}${stderr ?? ''}`);
  }
  return outDir;
}
