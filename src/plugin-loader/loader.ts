/**
 * Plugin loading: the config key `custom_imports: { imports: [...],
 * allow_failed_imports?: false }` (MMCV's name). Each entry is a local file
 * (relative to the config file) or an npm package (resolved from the config
 * file's folder with node's resolver). Registrations made while a plugin loads
 * are tagged with its name, so `list-components` and registry errors can say
 * where a component came from; a plugin package's own plugin dependencies
 * (packages with a `fer-mm` peer dependency) load first, under their names. A
 * failed import names every path tried and keeps the original error.
 */
import fs from 'fs';
import path from 'path';
import { markPluginLoaded, withPluginSource } from '../registry/registry';
import { requireFrom, requireModule } from '../config/module-loader';
import { aliasFrameworkForPlugins } from './framework-alias';

export interface CustomImports {
  imports: string | string[];
  allow_failed_imports?: boolean;
}

export interface LoadedPlugin {
  /** Tag put on the plugin's registrations (the spec as written, or the dependency's package name). */
  name: string;
  /** The spec as written in the config. */
  spec: string;
  /** The resolved file. */
  file: string;
}

export class PluginImportError extends Error {
  constructor(
    message: string,
    readonly spec: string,
    readonly tried: string[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PluginImportError';
  }
}

const PLUGIN_EXTENSIONS = ['.ts', '.js', '.cjs', '.mjs', '.cts', '.mts'];
const loaded = new Map<string, LoadedPlugin>();

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

function isPathSpec(spec: string): boolean {
  return spec.startsWith('./') || spec.startsWith('../') || spec === '.' || spec === '..' || path.isAbsolute(spec);
}

/** Resolves a spec the way node would from `from`, recording every candidate. */
export function resolvePlugin(spec: string, from: string): { file: string; tried: string[] } {
  const tried: string[] = [];
  const req = requireFrom(from);
  if (isPathSpec(spec)) {
    const base = path.resolve(path.dirname(from), spec);
    const candidates = [base, ...PLUGIN_EXTENSIONS.map((e) => base + e), ...PLUGIN_EXTENSIONS.map((e) => path.join(base, `index${e}`))];
    for (const c of candidates) {
      tried.push(c);
      if (isFile(c)) return { file: c, tried };
    }
    const pkgJson = path.join(base, 'package.json');
    if (isFile(pkgJson)) {
      tried.push(`${pkgJson} (main/exports)`);
      try {
        return { file: req.resolve(base), tried };
      } catch (e) {
        throw new PluginImportError(notFoundMessage(spec, from, tried, e), spec, tried, { cause: e });
      }
    }
    throw new PluginImportError(notFoundMessage(spec, from, tried), spec, tried);
  }
  const dirs = req.resolve.paths(spec) ?? [];
  for (const d of dirs) tried.push(path.join(d, spec));
  try {
    return { file: req.resolve(spec), tried };
  } catch (e) {
    throw new PluginImportError(notFoundMessage(spec, from, tried, e), spec, tried, { cause: e });
  }
}

function notFoundMessage(spec: string, from: string, tried: string[], err?: unknown): string {
  const pkg = !isPathSpec(spec);
  return [
    `cannot find plugin '${spec}' (custom_imports of ${from})`,
    `  paths tried:`,
    ...tried.map((t) => `    ${t}`),
    ...(err ? [`  original error: ${(err as Error).message.split('\n')[0]}`] : []),
    pkg
      ? `  fix: install the package (npm install ${spec}) or, for a local file, write a relative path starting with './'`
      : `  fix: the path is relative to the config file's folder (${path.dirname(from)})`,
  ].join('\n');
}

/**
 * Imports one plugin (once per process). `from` is the file the spec is
 * relative to (the config file). Registration errors inside the plugin (a name
 * clash, a bad schema) are re-thrown with the plugin named.
 */
export function importPlugin(spec: string, opts: { from: string; name?: string }): LoadedPlugin {
  const { file, tried } = resolvePlugin(spec, opts.from);
  const known = loaded.get(file);
  if (known) return known;
  const name = opts.name ?? spec;
  loadFrameworkComponents(file);
  for (const dep of pluginDependencies(file)) importPlugin(dep, { from: file });
  try {
    withPluginSource(name, () => requireModule(file));
  } catch (e) {
    const err = e as Error;
    const wrapped = new PluginImportError(`plugin '${spec}' (${file}) failed while loading: ${err?.message ?? String(e)}`, spec, tried, { cause: e });
    wrapped.stack = `${wrapped.name}: ${wrapped.message}\n${(err?.stack ?? '').split('\n').slice(1).join('\n')}`;
    throw wrapped;
  }
  const info: LoadedPlugin = { name, spec, file };
  loaded.set(file, info);
  markPluginLoaded(name);
  return info;
}

/**
 * Registers everything the framework itself provides before a plugin runs, so
 * a core component first imported by a plugin is not tagged with the plugin's
 * name. The entry is loaded as the plugin will see it: `fer-mm` resolved from
 * the plugin's file, which `./framework-alias.ts` points at the running framework.
 */
function loadFrameworkComponents(pluginFile: string): void {
  aliasFrameworkForPlugins();
  try {
    requireFrom(pluginFile)('fer-mm');
  } catch {
    // not resolvable from the plugin: its own `import ... from 'fer-mm'` fails with node's message
  }
}

/** The package.json nearest above `file` (its own package), if any. */
function ownPackageJson(file: string): { json: Record<string, unknown> } | undefined {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const p = path.join(dir, 'package.json');
    if (isFile(p)) {
      try {
        return { json: JSON.parse(fs.readFileSync(p, 'utf8')) as Record<string, unknown> };
      } catch {
        return undefined;
      }
    }
    if (path.dirname(dir) === dir) return undefined;
  }
}

/**
 * The `dependencies` of the package that holds `file` that are themselves
 * fer-mm plugins (they declare a `fer-mm` peer dependency), so that they load
 * (and tag their components) under their own names before the dependant.
 */
function pluginDependencies(file: string): string[] {
  const own = ownPackageJson(file);
  if (!own || own.json.name === 'fer-mm') return [];
  const deps = Object.keys((own.json.dependencies as Record<string, string> | undefined) ?? {});
  const req = requireFrom(file);
  return deps.filter((dep) => {
    try {
      const pj = ownPackageJson(req.resolve(dep));
      return pj?.json.name === dep && typeof (pj.json.peerDependencies as Record<string, unknown> | undefined)?.['fer-mm'] === 'string';
    } catch {
      return false; // not installed: the plugin's own import reports it
    }
  });
}

/** Minimal logger shape (the DI Logger satisfies it). */
export interface WarnSink {
  warn(msg: string): void;
}

/**
 * Loads a config's `custom_imports`. With `allow_failed_imports: true` a
 * failed import is logged as a warning and skipped; otherwise it throws.
 */
export function importCustomModules(customImports: unknown, configFile: string, logger?: WarnSink): LoadedPlugin[] {
  if (customImports === undefined || customImports === null) return [];
  const ci = customImports as CustomImports;
  if (typeof ci !== 'object' || Array.isArray(ci) || !('imports' in ci)) {
    throw new PluginImportError(
      `${configFile}: custom_imports must be { imports: string[], allow_failed_imports?: boolean }, got ${JSON.stringify(customImports)}`,
      '',
      [],
    );
  }
  const specs = typeof ci.imports === 'string' ? [ci.imports] : ci.imports;
  if (!Array.isArray(specs) || specs.some((s) => typeof s !== 'string')) {
    throw new PluginImportError(`${configFile}: custom_imports.imports must be a string or a list of strings`, '', []);
  }
  const out: LoadedPlugin[] = [];
  for (const spec of specs) {
    try {
      out.push(importPlugin(spec, { from: configFile }));
    } catch (e) {
      if (!ci.allow_failed_imports) throw e;
      const msg = `custom_imports: skipping '${spec}' (allow_failed_imports is true): ${(e as Error).message}`;
      if (logger) logger.warn(msg);
      else process.stderr.write(`WARNING: ${msg}\n`);
    }
  }
  return out;
}

/** Every plugin imported so far in this process (module registry). */
export function listLoadedPlugins(): LoadedPlugin[] {
  return [...loaded.values()];
}

