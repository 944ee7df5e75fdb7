/**
 * `ferMmBrowser()`: the Vite (Rollup/Rolldown) plugin a browser bundle of
 * fer-mm needs. It
 *  - swaps the one Node-only module the model code reaches
 *    (`src/models/weights-file.ts`, reading `pretrained` files) for
 *    `./no-pretrained-files.ts`, and
 *  - FAILS the build when anything in the graph imports a Node built-in
 *    (`fs`, `path`, `node:*`, `worker_threads`, `child_process`, ...), except
 *    where a dependency's own package.json `browser` field maps it away (tfjs
 *    and seedrandom guard their Node-only code that way).
 *
 * Node-side code (a build tool plugin); the browser entry never imports it.
 */
import * as fs from 'node:fs';
import { isBuiltin } from 'node:module';
import * as path from 'node:path';

/** The subset of Vite's Plugin this needs (vite ships ESM-only types). */
export interface BrowserBuildPlugin {
  name: string;
  enforce: 'pre';
  resolveId(this: { error(msg: string): never }, source: string, importer?: string): string | null;
}

const NODE_ONLY: Array<{ from: RegExp; to: string }> = [
  { from: /[/\\]src[/\\]models[/\\]weights-file(\.ts)?$/, to: path.join(__dirname, 'no-pretrained-files.ts') },
];

/** True when the nearest package.json above a dependency file maps `source` in its `browser` field. */
function mappedByBrowserField(source: string, importer: string): boolean {
  if (!/[/\\]node_modules[/\\]/.test(importer)) return false;
  for (let dir = path.dirname(importer); dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (!fs.existsSync(pj)) continue;
    const browser = (JSON.parse(fs.readFileSync(pj, 'utf8')) as { browser?: unknown }).browser;
    return typeof browser === 'object' && browser !== null && source.replace(/^node:/, '') in browser;
  }
  return false;
}

export function ferMmBrowser(): BrowserBuildPlugin {
  return {
    name: 'fer-mm-browser',
    enforce: 'pre',
    resolveId(source, importer) {
      // a plugin's `import ... from 'fer-mm'`: the SDK without Node (src/sdk.ts), as the
      // package's `browser` export condition gives bundlers of the installed package
      if (source === 'fer-mm') return path.join(__dirname, '..', 'sdk.ts');
      const sub = /^fer-mm\/([\w-]+)$/.exec(source);
      if (sub) return path.join(__dirname, '..', sub[1], 'index.ts');
      if (importer && source.startsWith('.')) {
        const target = path.resolve(path.dirname(importer), source);
        const swap = NODE_ONLY.find((s) => s.from.test(target));
        if (swap) return swap.to;
      }
      if (!isBuiltin(source) || (importer && mappedByBrowserField(source, importer))) return null;
      this.error(`Node built-in '${source}' imported by ${importer ?? 'the entry'}: a browser bundle of fer-mm must not contain Node built-ins`);
    },
  };
}
