/**
 * Lists the installed plugin packages (name, version, scope, loaded or not:
 * MMEngine's `mim list`) and every registered component: registry,
 * scope-qualified name, aliases, role, the plugin that registered it and a
 * summary of its argument schema. `--all` loads every installed plugin
 * package first, so their components are listed too.
 *
 *   npx tsx tools/list-components.ts [--registry models] [--json] [--all] [--import ./my-plugin.ts ...]
 */
import path from 'path';
import { Command } from 'commander';
import type { TSchema } from '@sinclair/typebox';
// The package root registers every core component (datasets, transforms, hooks, optimizers, ...).
import '../src';
import { rootRegistries, rootRegistry, type ComponentEntry } from '../src/registry/registry';
import { describeSchema } from '../src/registry/validate';
import { importPlugin } from '../src/plugin-loader/loader';
import { isPluginLoaded } from '../src/plugin-loader/scopes';
import { installedPlugins } from '../src/plugin-loader/installed';
import { loadConfig } from '../src/config';
import { closestNames } from '../src/utils/suggest';

export interface ArgSummary {
  name: string;
  type: string;
  required: boolean;
  default?: unknown;
  description?: string;
}

export interface ComponentRow {
  registry: string;
  scope: string;
  name: string;
  qualified: string;
  aliases: string[];
  role?: string;
  plugin?: string;
  description?: string;
  args: ArgSummary[] | null;
}

export function summarizeSchema(schema: TSchema | undefined): ArgSummary[] | null {
  if (!schema) return null;
  const props = (schema as { properties?: Record<string, Record<string, unknown>> }).properties ?? {};
  const required = new Set((schema as { required?: string[] }).required ?? []);
  return Object.entries(props).map(([name, s]) => ({
    name,
    type: describeSchema(s),
    required: required.has(name),
    ...('default' in s ? { default: s.default } : {}),
    ...(typeof s.description === 'string' ? { description: s.description } : {}),
  }));
}

function row(e: ComponentEntry): ComponentRow {
  return {
    registry: e.registry.name,
    scope: e.registry.scope,
    name: e.name,
    qualified: `${e.registry.scope}.${e.name}`,
    aliases: e.aliases,
    role: e.role,
    plugin: e.plugin,
    description: e.description,
    args: summarizeSchema(e.schema),
  };
}

export function listComponents(registry?: string): ComponentRow[] {
  let regs = rootRegistries();
  if (registry) {
    const r = rootRegistry(registry);
    if (!r) {
      const names = rootRegistries().map((x) => x.name);
      const near = closestNames(registry, names, 1);
      throw new Error(`unknown registry '${registry}'${near.length ? ` (did you mean '${near[0]}'?)` : ''}; registries: ${names.join(', ')}`);
    }
    regs = [r];
  }
  return regs.flatMap((r) => r.listAll().map(row));
}

export interface PackageRow {
  name: string;
  version: string;
  scope: string;
  loaded: boolean;
  root: string;
}

/** The installed plugin packages, loaded or not. */
export function listPackages(): PackageRow[] {
  return installedPlugins().map((p) => ({ name: p.name, version: p.version, scope: p.scope, loaded: isPluginLoaded(p), root: p.root }));
}

/** Imports every installed plugin package (`--all`). */
export function loadInstalledPackages(): void {
  for (const p of installedPlugins()) if (!isPluginLoaded(p)) importPlugin(p.name, { from: path.join(p.root, 'package.json') });
}

function formatPackages(rows: PackageRow[]): string {
  if (rows.length === 0) return '[installed plugin packages]\n  (none)\n';
  const width = Math.max(...rows.map((r) => `${r.name}@${r.version}`.length));
  const scopeWidth = Math.max(...rows.map((r) => r.scope.length));
  const lines = rows.map((r) => `  ${`${r.name}@${r.version}`.padEnd(width)}  scope=${r.scope.padEnd(scopeWidth)}  ${(r.loaded ? 'loaded' : 'not loaded').padEnd(10)}  ${r.root}`);
  return `[installed plugin packages]\n${lines.join('\n')}\n`;
}

function formatArg(a: ArgSummary): string {
  const def = 'default' in a ? ` = ${JSON.stringify(a.default)}` : '';
  return `${a.name}${a.required ? '' : '?'}: ${a.type}${def}`;
}

function formatText(rows: ComponentRow[]): string {
  const out: string[] = [];
  let current = '';
  for (const r of rows) {
    if (r.registry !== current) {
      current = r.registry;
      out.push(`\n[${current}]`);
    }
    const tags = [r.role && `role=${r.role}`, `plugin=${r.plugin ?? '(core)'}`, r.aliases.length && `aliases=${r.aliases.join(',')}`]
      .filter(Boolean)
      .join(' ');
    out.push(`  ${r.qualified}  ${tags}${r.description ? `  - ${r.description}` : ''}`);
    out.push(r.args === null ? '      args: (no schema declared)' : r.args.length ? `      args: ${r.args.map(formatArg).join(', ')}` : '      args: (none)');
  }
  return `${out.join('\n').trimStart()}\n`;
}

function main(argv: string[]): number {
  const program = new Command('list-components')
    .description('list every registered component with its scope, role, plugin and arguments')
    .option('--registry <name>', 'only this registry (models, datasets, transforms, hooks, ...)')
    .option('--json', 'print JSON')
    .option('--import <specs...>', 'extra plugins to load (paths relative to the current folder, or packages)')
    .option('--config <file>', "also load a config's custom_imports")
    .option('--all', 'load every installed plugin package first (their components are listed too)')
    .exitOverride();
  try {
    program.parse(argv);
  } catch (e) {
    return (e as { exitCode?: number }).exitCode === 0 ? 0 : 2;
  }
  const opts = program.opts<{ registry?: string; json?: boolean; import?: string[]; config?: string; all?: boolean }>();
  try {
    const from = path.join(process.cwd(), '<command line>');
    for (const spec of opts.import ?? []) importPlugin(spec, { from });
    if (opts.config) loadConfig(opts.config);
    if (opts.all) loadInstalledPackages();
    const rows = listComponents(opts.registry);
    const packages = listPackages();
    process.stdout.write(opts.json ? `${JSON.stringify({ packages, components: rows }, null, 2)}\n` : `${formatPackages(packages)}\n${formatText(rows)}`);
    return 0;
  } catch (e) {
    process.stderr.write(`list-components: ${(e as Error).message}\n`);
    return 1;
  }
}

if (require.main === module) process.exitCode = main(process.argv);
