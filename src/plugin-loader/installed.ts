/**
 * Installed plugin packages: every package whose package.json has a `fer-mm`
 * field declaring its registry scope (`"fer-mm": { "scope": "apvit" }`),
 * found in the `node_modules` folders node would search from the current
 * folder and from the running framework (MMEngine's installed codebases).
 * Reading them imports nothing; `list-components` shows them and the
 * registries load one on demand when a `type` names its scope.
 */
import fs from 'fs';
import path from 'path';
import { frameworkPackageRoot, lookupFolders } from '../config/config-spec';

export interface InstalledPlugin {
  /** The package name, e.g. `@fer-mm/apvit`. */
  name: string;
  version: string;
  /** The registry scope its components register in (`apvit` -> `apvit.PoolingViT`). */
  scope: string;
  /** The package's folder. */
  root: string;
  description?: string;
}

/** The `fer-mm` field of a plugin's package.json. */
export interface PluginManifestField {
  scope: string;
  /** Folder of the configs it ships (default `configs`). */
  configs?: string;
}

/** The `fer-mm` field of a parsed package.json when it declares a scope. */
export function pluginField(json: Record<string, unknown>): PluginManifestField | undefined {
  const f = json['fer-mm'];
  if (!f || typeof f !== 'object' || Array.isArray(f)) return undefined;
  const scope = (f as Record<string, unknown>).scope;
  return typeof scope === 'string' && scope.length > 0 ? (f as PluginManifestField) : undefined;
}

function readPlugin(root: string): InstalledPlugin | undefined {
  let text: string;
  try {
    text = fs.readFileSync(path.join(root, 'package.json'), 'utf8');
  } catch {
    return undefined;
  }
  if (!text.includes('"fer-mm"')) return undefined; // most packages: no need to parse
  try {
    const json = JSON.parse(text) as Record<string, unknown>;
    const field = pluginField(json);
    if (!field || typeof json.name !== 'string') return undefined;
    return {
      name: json.name,
      version: typeof json.version === 'string' ? json.version : '?',
      scope: field.scope,
      root,
      ...(typeof json.description === 'string' ? { description: json.description } : {}),
    };
  } catch {
    return undefined;
  }
}

/** Package folders directly inside one node_modules folder (`@scope/name` included). */
function packageFolders(nodeModules: string): string[] {
  let names: string[];
  try {
    names = fs.readdirSync(nodeModules);
  } catch {
    return [];
  }
  return names.flatMap((n) => {
    if (n.startsWith('.')) return [];
    if (!n.startsWith('@')) return [path.join(nodeModules, n)];
    try {
      return fs.readdirSync(path.join(nodeModules, n)).map((m) => path.join(nodeModules, n, m));
    } catch {
      return [];
    }
  });
}

const cache = new Map<string, InstalledPlugin[]>();

/**
 * Plugin packages installed where node would look from `fromDirs` (default:
 * the current folder and the framework's own folder), nearest copy first,
 * one entry per package name, sorted by name.
 */
export function installedPlugins(fromDirs: string[] = [process.cwd(), frameworkPackageRoot()]): InstalledPlugin[] {
  const key = fromDirs.join('\0');
  const hit = cache.get(key);
  if (hit) return hit;
  const byName = new Map<string, InstalledPlugin>();
  const folders = [...new Set(fromDirs.flatMap((d) => lookupFolders('x', d)))];
  for (const nm of folders) {
    for (const dir of packageFolders(nm)) {
      const p = readPlugin(dir);
      if (p && !byName.has(p.name)) byName.set(p.name, p);
    }
  }
  const out = [...byName.values()].sort((a, b) => a.name.localeCompare(b.name));
  cache.set(key, out);
  return out;
}

/** Forgets what {@link installedPlugins} found (after installing a package in-process, in tests). */
export function clearInstalledPluginsCache(): void {
  cache.clear();
}

/** The installed package that declares `scope`, if any. */
export function pluginForScope(scope: string, fromDirs?: string[]): InstalledPlugin | undefined {
  return installedPlugins(fromDirs).find((p) => p.scope === scope);
}
