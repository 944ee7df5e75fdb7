/**
 * Where a config file named in `_base_`, `readBase` or a tool's config argument
 * lives. Three forms:
 * - a path (`./x.ts`, `../_base_/x.ts`, `/abs/x.ts`, or a bare `x.ts` that
 *   exists beside the file), relative to the folder of the file that names it;
 * - a package path, `@fer-mm/apvit/configs/demo.ts`: the package folder is found
 *   with node's resolution (the `node_modules` folders from that folder up);
 * - MMEngine's `@fer-mm/apvit::demo.ts`: a path under the package's configs
 *   folder (`configs/`, or what its package.json's `fer-mm.configs` names).
 * `fer-mm` itself is the running framework's package, wherever node would
 * find another copy, so its `configs/_base_` files pair with the code that
 * reads them. A missing extension is tried with each config extension.
 */
import fs from 'fs';
import path from 'path';
import { createRequire } from 'module';

/** Separates the package from the path under its configs folder: `pkg::path/x.ts`. */
export const PACKAGE_CONFIG_SEPARATOR = '::';
const EXTENSIONS = ['.ts', '.cts', '.mts', '.js', '.cjs', '.mjs', '.json'];
const FRAMEWORK = 'fer-mm';

/** A config specifier that could not be resolved; the message says where it looked and what to install. */
export class ConfigSpecError extends Error {
  constructor(
    message: string,
    /** The specifier as written. */
    readonly spec: string,
  ) {
    super(message);
    this.name = 'ConfigSpecError';
  }
}

function isFile(p: string): boolean {
  try {
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

/** `./x`, `../x`, an absolute path: never a package. */
export function isPathSpec(spec: string): boolean {
  return spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../') || path.isAbsolute(spec);
}

/** `@scope/name/rest` -> [`@scope/name`, `rest`]; `name/rest` -> [`name`, `rest`]. */
export function splitPackageSpec(spec: string): { pkg: string; sub: string } {
  const parts = spec.split('/');
  const n = spec.startsWith('@') ? 2 : 1;
  return { pkg: parts.slice(0, n).join('/'), sub: parts.slice(n).join('/') };
}

/** `file`, or `file` + the first config extension that exists. */
function withExtension(file: string): string | undefined {
  if (isFile(file)) return file;
  if (path.extname(file)) return undefined;
  return EXTENSIONS.map((e) => file + e).find(isFile);
}

let frameworkRootCache: string | undefined;
/** The folder of the running framework's package.json (the repository, or node_modules/fer-mm). */
export function frameworkPackageRoot(): string {
  if (frameworkRootCache) return frameworkRootCache;
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pj = path.join(dir, 'package.json');
    if (isFile(pj) && (JSON.parse(fs.readFileSync(pj, 'utf8')) as { name?: string }).name === FRAMEWORK) return (frameworkRootCache = dir);
    if (path.dirname(dir) === dir) throw new Error(`fer-mm: no package.json named '${FRAMEWORK}' above ${__dirname}`);
  }
}

export interface PackageLocation {
  /** The package's folder. */
  root: string;
  /** Its package.json. */
  json: { name?: string; version?: string; 'fer-mm'?: { configs?: string; scope?: string } };
}

/** The `node_modules` folders node searches for `pkg` from `fromDir`, nearest first. */
export function lookupFolders(pkg: string, fromDir: string): string[] {
  return createRequire(path.join(fromDir, 'noop.js')).resolve.paths(pkg) ?? [];
}

/** The installed package `pkg` as node would find it from `fromDir`, or undefined. */
export function findPackage(pkg: string, fromDir: string): PackageLocation | undefined {
  const roots = pkg === FRAMEWORK ? [frameworkPackageRoot()] : lookupFolders(pkg, fromDir).map((d) => path.join(d, pkg));
  for (const root of roots) {
    const pj = path.join(root, 'package.json');
    if (isFile(pj)) return { root, json: JSON.parse(fs.readFileSync(pj, 'utf8')) as PackageLocation['json'] };
  }
  return undefined;
}

/** The configs folder of a package (`configs/` unless its package.json's `fer-mm.configs` says otherwise). */
export function packageConfigsDir(loc: PackageLocation): string {
  return path.join(loc.root, loc.json['fer-mm']?.configs ?? 'configs');
}

/** Config files under `dir` (relative, `/`-separated), for the not-found message. */
function listConfigs(dir: string, prefix = ''): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(dir, prefix), { withFileTypes: true });
  } catch {
    return [];
  }
  return entries
    .flatMap((e) => (e.isDirectory() ? listConfigs(dir, path.posix.join(prefix, e.name)) : EXTENSIONS.includes(path.extname(e.name)) ? [path.posix.join(prefix, e.name)] : []))
    .sort();
}

/** Where the named package was looked for, what to do about it. */
function notInstalled(spec: string, pkg: string, fromDir: string, role: string, installed: () => string[]): ConfigSpecError {
  const near = installed().filter((n) => n !== pkg && closeTo(n, pkg));
  return new ConfigSpecError(
    [
      `${role} '${spec}': package '${pkg}' is not installed`,
      `  looked for ${pkg}/package.json in:`,
      ...lookupFolders(pkg, fromDir).map((d) => `    ${d}`),
      ...(near.length ? [`  did you mean: ${near.map((n) => `'${n}'`).join(', ')}?`] : []),
      `  fix: npm install ${pkg}   (or, for a file, write a path starting with './')`,
    ].join('\n'),
    spec,
  );
}

function closeTo(a: string, b: string): boolean {
  const x = a.replace(/^@[^/]+\//, '');
  const y = b.replace(/^@[^/]+\//, '');
  if (x === y) return true;
  let same = 0;
  while (same < Math.min(x.length, y.length) && x[same] === y[same]) same++;
  return same >= Math.min(3, x.length) || x.includes(y) || y.includes(x);
}

function missingFile(spec: string, loc: PackageLocation, file: string, configsDir: string, role: string): ConfigSpecError {
  const shipped = listConfigs(configsDir);
  const name = `${loc.json.name ?? '?'}@${loc.json.version ?? '?'}`;
  return new ConfigSpecError(
    [
      `${role} '${spec}': ${name} (${loc.root}) has no ${path.relative(loc.root, file) || file}`,
      shipped.length
        ? `  configs it ships (${path.relative(loc.root, configsDir) || '.'}/): ${shipped.join(', ')}`
        : `  it ships no config files under ${configsDir}`,
    ].join('\n'),
    spec,
  );
}

/** How {@link resolveConfigSpec} reports what it could not find. */
export interface ResolveConfigSpecOptions {
  /** Who names the spec, for messages: `_base_ of /x/y.ts`, `readBase`, `config`. */
  role: string;
  /** Installed package names, for "did you mean" (read only when a package is missing). */
  installedPackages?: () => string[];
}

/** The absolute file `spec` names, read from `fromDir`; see the module comment for the forms. */
export function resolveConfigSpec(spec: string, fromDir: string, opts: ResolveConfigSpecOptions): string {
  const installed = opts.installedPackages ?? (() => []);
  const sep = spec.indexOf(PACKAGE_CONFIG_SEPARATOR);
  if (sep > 0) {
    const pkg = spec.slice(0, sep);
    const rel = spec.slice(sep + PACKAGE_CONFIG_SEPARATOR.length);
    const loc = findPackage(pkg, fromDir);
    if (!loc) throw notInstalled(spec, pkg, fromDir, opts.role, installed);
    const dir = packageConfigsDir(loc);
    const file = path.resolve(dir, rel);
    const found = withExtension(file);
    if (!found) throw missingFile(spec, loc, file, dir, opts.role);
    return found;
  }
  const local = path.resolve(fromDir, spec);
  const foundLocal = withExtension(local);
  if (foundLocal || isPathSpec(spec)) {
    if (foundLocal) return foundLocal;
    throw new ConfigSpecError(`${opts.role} '${spec}' not found (looked for ${local}${path.extname(local) ? '' : ` with ${EXTENSIONS.join('/')}`})`, spec);
  }
  const { pkg, sub } = splitPackageSpec(spec);
  const loc = findPackage(pkg, fromDir);
  if (!loc) {
    const err = notInstalled(spec, pkg, fromDir, opts.role, installed);
    err.message = `${err.message}\n  (not a file either: ${local} does not exist)`;
    throw err;
  }
  const file = path.resolve(loc.root, sub);
  const found = withExtension(file);
  if (!found) throw missingFile(spec, loc, file, packageConfigsDir(loc), opts.role);
  return found;
}
