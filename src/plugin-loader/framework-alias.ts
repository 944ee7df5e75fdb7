/**
 * A plugin's `fer-mm` is the framework that loads it. Node resolves a bare
 * `fer-mm` from the plugin's folder, which may find nothing (a plugin folder
 * outside any install, a repository checkout run from another folder) or a
 * second copy of the framework with registries of its own. Mapping
 * `fer-mm` and `fer-mm/<entry>` to the running framework's own files keeps
 * one set of registries in every case, from sources (tsx) and from the build.
 * (jest maps the names itself through `moduleNameMapper`.)
 */
import Module from 'module';
import path from 'path';
import { frameworkPackageRoot } from '../config/config-spec';

type ResolveFilename = (request: string, parent: unknown, isMain: boolean, options?: unknown) => string;

/** src/ when running from sources, dist/src/ in the built package. */
const FRAMEWORK_ROOT = path.resolve(__dirname, '..');
let installed = false;

/**
 * The file `request` names in the running framework, or undefined when it is
 * not `fer-mm[/entry]` or `fer-mm/configs/...` (the config files the package
 * ships, which configs import values from).
 */
export function frameworkRequest(request: string): string | undefined {
  if (request === 'fer-mm') return path.join(FRAMEWORK_ROOT, 'index');
  if (request.startsWith('fer-mm/configs/')) return path.join(frameworkPackageRoot(), request.slice('fer-mm/'.length));
  const sub = /^fer-mm\/([\w-]+)$/.exec(request);
  // fer-mm/package.json and other files are left to node
  return sub && sub[1] !== 'package' ? path.join(FRAMEWORK_ROOT, sub[1], 'index') : undefined;
}

/** Installs the mapping once per process (before the first plugin loads). */
export function aliasFrameworkForPlugins(): void {
  if (installed) return;
  installed = true;
  const M = Module as unknown as { _resolveFilename: ResolveFilename };
  const resolve = M._resolveFilename;
  M._resolveFilename = function (this: unknown, request, parent, isMain, options) {
    return resolve.call(this, frameworkRequest(request) ?? request, parent, isMain, options);
  };
}
