/** Vite config of the demo page (`npm run web` builds and serves it; see docs/deploy.md). */
import { defineConfig } from 'vite';
import { ferMmBrowser } from '../src/browser/vite';

export default defineConfig({
  root: __dirname,
  base: './',
  plugins: [ferMmBrowser()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 8000, target: 'es2022' },
});
