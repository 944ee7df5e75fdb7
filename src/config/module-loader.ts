/**
 * Loads a TS/JS module synchronously in the host's module system, so configs
 * and plugins see the same registries as the tool that loads them:
 * - under `tsx` (every tool): node's require with tsx's `.ts` hook;
 * - under jest: jest's require (`module.createRequire` is jest's there), which
 *   transforms TS with ts-jest;
 * - under plain node without a TS hook: tsx's namespaced `require` API.
 */
import Module, { createRequire } from 'module';

function hostRequiresTs(): boolean {
  if (process.env.JEST_WORKER_ID !== undefined) return true;
  const exts = (Module as unknown as { _extensions?: Record<string, unknown> })._extensions;
  return !!exts && '.ts' in exts;
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
  const isTs = /\.[cm]?tsx?$/.test(file);
  if (isTs && !hostRequiresTs()) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const tsx = require('tsx/cjs/api') as { require: (id: string, from: string) => unknown };
    return tsx.require(file, __filename);
  }
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
