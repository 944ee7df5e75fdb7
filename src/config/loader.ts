/**
 * Reads config files (`.ts`, `.js`, `.cjs`, `.mjs`, `.json`) through
 * cosmiconfig and resolves `_base_` inheritance with MMCV's rules (see
 * merge.ts). Keys starting with `_` at the top level of a file are reserved
 * (`_base_`, ...) and removed after loading. A base, a `readBase` argument and
 * the config a tool is given may be a path or a file of an installed package
 * (`@fer-mm/apvit/configs/demo.ts`, `@fer-mm/apvit::demo.ts`; config-spec.ts).
 */
import fs from 'fs';
import path from 'path';
import { cosmiconfigSync, defaultLoadersSync, type LoaderSync } from 'cosmiconfig';
import { ConfigMergeError, checkConfigKeys, cleanCopy, isDict, mergeConfig, unionOfBases, type Dict } from './merge';
import { defaultExport, requireModule } from './module-loader';
import { ConfigSpecError, isPathSpec, resolveConfigSpec } from './config-spec';
import { installedPlugins } from '../plugin-loader/installed';

export const BASE_KEY = '_base_';
export const CONFIG_EXTENSIONS = ['.ts', '.cts', '.mts', '.js', '.cjs', '.mjs', '.json'];

/** Any problem reading or merging a config file; the message names the file. */
export class ConfigLoadError extends Error {
  constructor(
    message: string,
    readonly file?: string,
    readonly configPath?: string,
  ) {
    super(message);
    this.name = 'ConfigLoadError';
  }
}

const loadModule: LoaderSync = (filepath) => defaultExport(requireModule(filepath, { fresh: true }));

const explorer = cosmiconfigSync('fer-mm', {
  cache: false,
  loaders: {
    ...defaultLoadersSync,
    '.ts': loadModule,
    '.cts': loadModule,
    '.mts': loadModule,
    '.js': loadModule,
    '.cjs': loadModule,
    '.mjs': loadModule,
  },
});

/** The default export of one config file, as written (no `_base_` resolution). */
export function readConfigModule(file: string): Dict {
  const abs = path.resolve(file);
  if (!fs.existsSync(abs)) throw new ConfigLoadError(`config file not found: ${abs}`, abs);
  const ext = path.extname(abs);
  if (!CONFIG_EXTENSIONS.includes(ext)) {
    throw new ConfigLoadError(`${abs}: unsupported config extension '${ext}' (use one of ${CONFIG_EXTENSIONS.join(', ')})`, abs);
  }
  let value: unknown;
  try {
    value = explorer.load(abs)?.config;
  } catch (e) {
    const err = e as Error;
    const msg = err.message.includes(abs) ? err.message : `${abs}: ${err.message}`;
    throw Object.assign(new ConfigLoadError(`failed to load config ${msg}`, abs), { cause: e });
  }
  if (!isDict(value)) {
    throw new ConfigLoadError(
      `${abs}: the config's default export must be a plain object (export default { model: ..., ... }), got ${value === undefined ? 'nothing' : Array.isArray(value) ? 'an array' : typeof value}`,
      abs,
    );
  }
  try {
    checkConfigKeys(value);
  } catch (e) {
    if (e instanceof ConfigMergeError) throw new ConfigLoadError(`${abs}: ${e.message}`, abs, e.configPath);
    throw e;
  }
  return value;
}

export interface ResolvedConfig {
  /** The merged config, reserved keys removed, `_delete_` gone. */
  cfg: Dict;
  /** The file and every base it pulled in, the file itself last. */
  files: string[];
}

/** Names of the installed packages a misspelt package name is compared with. */
function knownPackages(): string[] {
  return ['fer-mm', ...installedPlugins().map((p) => p.name)];
}

/** `spec` resolved from `fromDir`, or a ConfigLoadError naming `file` and `key`. */
function locate(spec: string, fromDir: string, role: string, file?: string, key?: string): string {
  try {
    return resolveConfigSpec(spec, fromDir, { role, installedPackages: knownPackages });
  } catch (e) {
    if (e instanceof ConfigSpecError) throw new ConfigLoadError(e.message, file, key);
    throw e;
  }
}

function resolveBasePath(spec: unknown, file: string): string {
  if (typeof spec !== 'string' || spec.length === 0) {
    throw new ConfigLoadError(
      `${file}: ${BASE_KEY} must be a path (relative to the file), a package file ('@fer-mm/apvit/configs/demo.ts', '@fer-mm/apvit::demo.ts') or a list of them, got ${JSON.stringify(spec)}`,
      file,
      BASE_KEY,
    );
  }
  return locate(spec, path.dirname(file), `${file}: ${BASE_KEY}`, file, BASE_KEY);
}

/**
 * The file a tool's config argument names: a path (relative to the current
 * folder), else a package file resolved from the current folder.
 */
export function locateConfigFile(spec: string, fromDir: string = process.cwd()): string {
  const abs = path.resolve(fromDir, spec);
  if (fs.existsSync(abs) || isPathSpec(spec)) return abs;
  return locate(spec, fromDir, 'config');
}

/**
 * Relative `custom_imports` paths are relative to the file that wrote them;
 * they are made absolute here, before merging loses that information.
 */
function anchorImports(ci: unknown, file: string): unknown {
  if (!isDict(ci)) return ci;
  const anchor = (s: unknown) => (typeof s === 'string' && (s.startsWith('./') || s.startsWith('../')) ? path.resolve(path.dirname(file), s) : s);
  const imports = Array.isArray(ci.imports) ? ci.imports.map(anchor) : anchor(ci.imports);
  return { ...ci, imports };
}

/** Loads `file` and its `_base_` chain, merged by MMCV's rules. */
export function resolveConfigFile(file: string, stack: string[] = []): ResolvedConfig {
  const abs = stack.length ? path.resolve(file) : locateConfigFile(file);
  if (stack.includes(abs)) throw new ConfigLoadError(`circular ${BASE_KEY}: ${[...stack, abs].join(' -> ')}`, abs, BASE_KEY);
  const raw = readConfigModule(abs);
  const baseSpec = raw[BASE_KEY];
  const child: Dict = {};
  for (const [k, v] of Object.entries(raw)) if (!k.startsWith('_')) child[k] = v;
  if (child.custom_imports !== undefined) child.custom_imports = anchorImports(child.custom_imports, abs);
  if (baseSpec === undefined) return { cfg: cleanCopy(child), files: [abs] };

  const specs = Array.isArray(baseSpec) ? baseSpec : [baseSpec];
  const bases = specs.map((s) => {
    const basePath = resolveBasePath(s, abs);
    const r = resolveConfigFile(basePath, [...stack, abs]);
    return { file: basePath, ...r };
  });
  let union: ReturnType<typeof unionOfBases>;
  try {
    union = unionOfBases(bases.map((b) => ({ file: b.file, cfg: b.cfg })));
  } catch (e) {
    if (e instanceof ConfigMergeError) throw new ConfigLoadError(`${abs}: ${e.message}`, abs, e.configPath);
    throw e;
  }
  let cfg = union.cfg;
  for (const [k, v] of Object.entries(child)) {
    try {
      cfg = mergeConfig(cfg, { [k]: v }, { childFile: abs, baseFile: union.origin.get(k) });
    } catch (e) {
      if (e instanceof ConfigMergeError) throw new ConfigLoadError(e.message, abs, e.configPath);
      throw e;
    }
  }
  const files = [...new Set([...bases.flatMap((b) => b.files), abs])];
  return { cfg, files };
}

/**
 * The fully resolved (merged) config of a base file, for a config that wants
 * to reuse its base's values: `readBase(__dirname, '../_base_/models/apvit.ts')`,
 * or a package file resolved from that folder: `readBase(__dirname, '@fer-mm/apvit::demo.ts')`
 * (a package file alone, `readBase('@fer-mm/apvit/configs/demo.ts')`, is
 * resolved from the current folder).
 */
export function readBase(...segments: string[]): Dict {
  const last = segments[segments.length - 1] ?? '';
  const isPackage = !isPathSpec(last) && (last.includes('::') || (segments.length === 1 && last.startsWith('@')));
  if (isPackage) {
    const dir = segments.length > 1 ? path.resolve(...segments.slice(0, -1)) : process.cwd();
    return resolveConfigFile(locate(last, dir, 'readBase')).cfg;
  }
  if (!path.isAbsolute(segments[0] ?? '')) {
    throw new ConfigLoadError(`readBase: start with an absolute directory, e.g. readBase(__dirname, '${segments.join("', '")}')`);
  }
  const dir = path.resolve(...segments.slice(0, -1));
  return resolveConfigFile(locate(last, dir, 'readBase')).cfg;
}
