/**
 * Scopes of installed plugin packages: what `list-components` reports as
 * loaded, and the registries' on-demand import of the package that declares a
 * scope a config names (MMEngine's registry `locations`). Importing this
 * module installs that loader (the Node entry and the data-loader workers do).
 */
import fs from 'fs';
import path from 'path';
import { setScopeLoader } from '../registry/registry';
import { lookupFolders } from '../config/config-spec';
import { importPlugin, listLoadedPlugins } from './loader';
import { installedPlugins, pluginForScope, type InstalledPlugin } from './installed';

/** Whether an installed plugin package has been imported in this process. */
export function isPluginLoaded(p: InstalledPlugin): boolean {
  return listLoadedPlugins().some((l) => l.name === p.name || l.spec === p.name || isInside(l.file, p.root));
}

function isInside(file: string, dir: string): boolean {
  let real = dir;
  try {
    real = fs.realpathSync(dir);
  } catch {
    // keep the path as found
  }
  return [dir, real].some((d) => file.startsWith(d + path.sep));
}

/**
 * Imports the installed plugin package that declares `scope` (a `type` or
 * `_scope_` named a scope nobody registered yet). Returns why it could not;
 * with no scope, a hint naming the installed packages not loaded yet.
 */
export function loadScope(scope: string | undefined): string | undefined {
  const all = installedPlugins();
  if (scope === undefined) {
    const idle = all.filter((p) => !isPluginLoaded(p));
    return idle.length
      ? `installed plugin packages not loaded yet: ${idle.map((p) => `${p.name} (scope '${p.scope}')`).join(', ')}; ` +
          `name the scope ('${idle[0].scope}.Name' loads ${idle[0].name}) or list the package in custom_imports`
      : undefined;
  }
  const pkg = pluginForScope(scope);
  if (!pkg) {
    return [
      `no installed package declares scope '${scope}' (package.json: "fer-mm": { "scope": "${scope}" })`,
      `  installed plugin packages: ${all.length ? all.map((p) => `${p.name} (scope '${p.scope}')`).join(', ') : '(none)'}`,
      `  looked in: ${[...new Set([process.cwd()].flatMap((d) => lookupFolders('x', d)))].filter((d) => fs.existsSync(d)).join(', ') || '(no node_modules folder)'}`,
      `  fix: install the package that provides scope '${scope}' (npm install <package>), or correct the scope`,
    ].join('\n');
  }
  try {
    importPlugin(pkg.name, { from: path.join(pkg.root, 'package.json') });
  } catch (e) {
    return `loading ${pkg.name}@${pkg.version} (it declares scope '${scope}') failed: ${(e as Error).message}`;
  }
  return undefined;
}

setScopeLoader((scope) => loadScope(scope));
