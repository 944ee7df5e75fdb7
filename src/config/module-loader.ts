/**
 * Loads a TS/JS module synchronously in the host's module system, so configs
 * and plugins see the same registries as the tool that loads them:
 * - under `tsx` (every tool): node's require with tsx's `.ts` hook;
 * - under jest: jest's require (`module.createRequire` is jest's there), which
 *   transforms TS with ts-jest;
 * - under plain node (the installed `fer-mm` command): tsx's `.ts` hook,
 *   registered once for the whole process. (Its namespaced `require` API would
 *   leave a `.ts` hook behind that ignores every later plain require, so a TS
 *   plugin named by a TS config failed to parse.)
 * Either way `fer-mm` and `fer-mm/<entry>` inside the loaded files are the
 * running framework (`../plugin-loader/framework-alias.ts`).
 */
import Module, { createRequire } from 'module';
import { aliasFrameworkForPlugins } from '../plugin-loader/framework-alias';

function hostRequiresTs(): boolean {
  // jest's globals, not just its JEST_WORKER_ID, which every process a test starts inherits
  if (process.env.JEST_WORKER_ID !== undefined && typeof (globalThis as { expect?: unknown }).expect === 'function') return true;
  const exts = (Module as unknown as { _extensions?: Record<string, unknown> })._extensions;
  return !!exts && '.ts' in exts;
}

/** Installs tsx's CommonJS `.ts` hook for the rest of the process. */
function registerTsHook(): void {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  (require('tsx/cjs/api') as { register: () => unknown }).register();
}

/** A require bound to `file`'s directory (for resolving relative specifiers and packages). */
export function requireFrom(file: string): NodeJS.Require {
  return createRequire(file);
}

/**
 * Requires `file` (absolute) and returns its module object. `fresh` drops the
 * file's own cache entry first (the host may ignore it, as jest does).
 */
export function requireModule(file: string, opts: { fresh?: boolean } = {}): unknown {
  aliasFrameworkForPlugins();
  if (/\.[cm]?tsx?$/.test(file) && !hostRequiresTs()) registerTsHook();
  const req = createRequire(file);
  if (opts.fresh) {
    try {
      delete req.cache[file];
    } catch {
      // jest's cache is read-only
    }
  }
  return req(file);
}

/** The default export of a module (`export default x`, `module.exports = x`). */
export function defaultExport(mod: unknown): unknown {
  if (mod && typeof mod === 'object' && 'default' in mod && ((mod as { __esModule?: boolean }).__esModule || Object.keys(mod).length === 1)) {
    return (mod as { default: unknown }).default;
  }
  if (mod && typeof mod === 'object' && 'default' in mod && (mod as Record<string | symbol, unknown>)[Symbol.toStringTag] === 'Module') {
    return (mod as { default: unknown }).default;
  }
  return mod;
}
