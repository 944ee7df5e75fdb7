import fs from 'fs';
import os from 'os';
import path from 'path';
import { HOOKS, MODELS } from '../../src/registry/root';
import { Registry, loadedPlugins } from '../../src/registry/registry';
import { PluginImportError, importCustomModules, importPlugin, listLoadedPlugins } from '../../src/plugin-loader/loader';
import { loadConfig } from '../../src/config/config';
import { listComponents, summarizeSchema } from '../../tools/list-components';

const REPO_ROOT = path.resolve(__dirname, '..', '..');
const FIX = path.join(__dirname, 'fixtures');
const PLUGINS = path.join(FIX, 'plugins');
const fromConfig = path.join(FIX, 'configs', 'some-config.ts'); // only its folder matters

function warnings() {
  const lines: string[] = [];
  return { lines, warn: (m: string) => lines.push(m) };
}

describe('custom_imports', () => {
  it('loads relative files and folders, tags their registrations, and skips allowed failures with a warning', () => {
    const log = warnings();
    const cfg = loadConfig(path.join(FIX, 'configs', 'plugin-ok.ts'), { logger: log });
    expect(cfg.plugins.map((p) => path.relative(PLUGINS, p.file))).toEqual(['tagged-plugin.ts', path.join('folder-plugin', 'index.ts')]);
    const e = MODELS.get('coretest-plug.TinyNet');
    expect(e?.plugin).toBe(path.join(PLUGINS, 'tagged-plugin'));
    expect(HOOKS.get('coretest-folder.FolderHook')?.plugin).toBe(path.join(PLUGINS, 'folder-plugin'));
    expect(log.lines).toHaveLength(1);
    expect(log.lines[0]).toMatch(/skipping '.*missing-but-allowed\.ts' \(allow_failed_imports is true\): cannot find plugin/);
    expect(loadedPlugins()).toContain(path.join(PLUGINS, 'tagged-plugin'));
    expect(cfg.problems()).toEqual([]);
    // importing again is a no-op (no duplicate-registration error)
    expect(() => importPlugin('./tagged-plugin.ts', { from: path.join(PLUGINS, 'x.ts') })).not.toThrow();
  });

  it('a missing local file lists every path tried', () => {
    let err: PluginImportError | undefined;
    try {
      importCustomModules({ imports: ['./nope'] }, fromConfig);
    } catch (e) {
      err = e as PluginImportError;
    }
    expect(err).toBeInstanceOf(PluginImportError);
    const base = path.join(FIX, 'configs', 'nope');
    expect(err!.tried).toEqual(expect.arrayContaining([base, `${base}.ts`, `${base}.js`, path.join(base, 'index.ts')]));
    for (const t of err!.tried) expect(err!.message).toContain(t);
    expect(err!.message).toContain(`cannot find plugin './nope' (custom_imports of ${fromConfig})`);
    expect(err!.message).toContain("the path is relative to the config file's folder");
  });

  it('a config with a misspelled plugin path fails naming the config and the paths tried', () => {
    const cfgFile = path.join(FIX, 'configs', 'missing-plugin.ts');
    expect(() => loadConfig(cfgFile)).toThrow(
      new RegExp(`cannot find plugin '.*no-such-plugin' \\(custom_imports of ${cfgFile.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\)\n {2}paths tried:\n {4}.*no-such-plugin\n`),
    );
  });

  it('a missing package lists the node_modules folders searched and the original error', () => {
    let err: PluginImportError | undefined;
    try {
      importCustomModules({ imports: 'fer-mm-plugin-does-not-exist' }, fromConfig);
    } catch (e) {
      err = e as PluginImportError;
    }
    expect(err!.tried[0]).toBe(path.join(FIX, 'configs', 'node_modules', 'fer-mm-plugin-does-not-exist'));
    expect(err!.tried).toContain(path.join(REPO_ROOT, 'node_modules', 'fer-mm-plugin-does-not-exist'));
    expect(err!.message).toMatch(/original error: Cannot find module 'fer-mm-plugin-does-not-exist'/);
    expect(err!.message).toContain('npm install fer-mm-plugin-does-not-exist');
  });

  it('resolves npm packages from the config file folder', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-plugin-'));
    const pkg = path.join(dir, 'node_modules', 'fer-mm-plugin-fake');
    fs.mkdirSync(pkg, { recursive: true });
    fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: 'fer-mm-plugin-fake', main: 'lib/entry.js' }));
    fs.mkdirSync(path.join(pkg, 'lib'));
    const rootTs = path.join(REPO_ROOT, 'src', 'registry', 'root.ts');
    fs.writeFileSync(
      path.join(pkg, 'lib', 'entry.js'),
      `const { MODELS } = require(${JSON.stringify(rootTs)});\nclass FakeNeck {}\nMODELS.child('fake').registerModule(FakeNeck, { name: 'FakeNeck', role: 'neck' });\n`,
    );
    const loaded = importCustomModules({ imports: ['fer-mm-plugin-fake'] }, path.join(dir, 'cfg.ts'));
    expect(loaded).toEqual([{ name: 'fer-mm-plugin-fake', spec: 'fer-mm-plugin-fake', file: fs.realpathSync(path.join(pkg, 'lib', 'entry.js')) }]);
    expect(MODELS.get('fake.FakeNeck')?.plugin).toBe('fer-mm-plugin-fake');
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('an error inside a plugin names the plugin and keeps the original error', () => {
    let err: PluginImportError | undefined;
    try {
      importPlugin('./throwing-plugin.ts', { from: path.join(PLUGINS, 'x.ts') });
    } catch (e) {
      err = e as PluginImportError;
    }
    expect(err).toBeInstanceOf(PluginImportError);
    expect(err!.message).toBe(`plugin './throwing-plugin.ts' (${path.join(PLUGINS, 'throwing-plugin.ts')}) failed while loading: boom while registering`);
    expect((err!.cause as Error).message).toBe('boom while registering');
    expect(err!.stack).toContain('throwing-plugin.ts');
  });

  it('a name clash in the same scope without force fails, naming the plugin that holds the name', () => {
    importPlugin('./core-test-plugin.ts', { from: path.join(PLUGINS, 'x.ts'), name: 'core-test' });
    expect(() => importPlugin('./clash-plugin.ts', { from: path.join(PLUGINS, 'x.ts') })).toThrow(
      /plugin '\.\/clash-plugin\.ts' .* failed while loading: 'TinyNet' is already registered in the models registry \(scope 'coretest'\) by plugin 'core-test'; pass force: true .* or register it in your own scope/,
    );
  });

  it('validates the custom_imports shape', () => {
    expect(() => importCustomModules(['./a'], fromConfig)).toThrow(/custom_imports must be \{ imports: string\[\], allow_failed_imports\?: boolean \}/);
    expect(() => importCustomModules({ imports: [1] }, fromConfig)).toThrow(/imports must be a string or a list of strings/);
    expect(importCustomModules(undefined, fromConfig)).toEqual([]);
  });
});

describe('the shipped plugin packages', () => {
  it('load by package name from a config; a plugin dependency loads first, tagged with its own name', () => {
    const cfgFile = path.join(REPO_ROOT, 'configs', 'transfer', 'RAF.ts');
    const loaded = importCustomModules({ imports: ['@fer-mm/transfer'] }, cfgFile);
    expect(loaded.map((p) => [p.name, path.relative(REPO_ROOT, p.file)])).toEqual([['@fer-mm/transfer', path.join('plugins', 'transfer', 'index.ts')]]);
    const names = listLoadedPlugins().map((p) => p.name);
    expect(names.indexOf('@fer-mm/apvit')).toBeGreaterThanOrEqual(0);
    expect(names.indexOf('@fer-mm/apvit')).toBeLessThan(names.indexOf('@fer-mm/transfer'));
    expect(loadedPlugins()).toEqual(expect.arrayContaining(['@fer-mm/apvit', '@fer-mm/transfer']));
    expect(MODELS.get('PoolingVitClassifier')?.plugin).toBe('@fer-mm/apvit');
    expect(MODELS.get('IRSE')?.plugin).toBe('@fer-mm/apvit');
    expect(MODELS.get('TransFER')?.plugin).toBe('@fer-mm/transfer');
    // framework components are registered before any plugin runs: never tagged
    for (const n of ['ImageClassifier', 'LinearClsHead', 'CrossEntropyLoss', 'GlobalAveragePooling']) expect(MODELS.get(n)?.plugin).toBeUndefined();
  });

  it('register into the registries the tools use (one module instance)', () => {
    importCustomModules({ imports: ['@fer-mm/apvit'] }, path.join(REPO_ROOT, 'configs', 'apvit', 'RAF.ts'));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const apvit = require('@fer-mm/apvit') as typeof import('@fer-mm/apvit');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fermm = require('fer-mm') as typeof import('../../src');
    expect(MODELS.get('PoolingVitClassifier')?.cls).toBe(apvit.PoolingVitClassifier);
    expect(fermm.MODELS).toBe(MODELS);
    expect(Object.getPrototypeOf(apvit.PoolingVitClassifier)).toBe(fermm.ImageClassifier);
  });

  it('no framework file imports a plugin', () => {
    const pluginsDir = path.join(REPO_ROOT, 'plugins') + path.sep;
    // the plugin packages by name (packages/ holds framework libraries such as the collectives addon)
    const pluginNames = fs.readdirSync(pluginsDir).map((d) => JSON.parse(fs.readFileSync(path.join(pluginsDir, d, 'package.json'), 'utf8')).name as string);
    const isPlugin = (spec: string) => pluginNames.some((n) => spec === n || spec.startsWith(`${n}/`));
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) walk(p);
        else if (/\.[cm]?[jt]s$/.test(e.name)) {
          for (const m of fs.readFileSync(p, 'utf8').matchAll(/(?:from|import|require\()\s*'([^']+)'/g)) {
            const spec = m[1];
            const target = spec.startsWith('.') ? path.resolve(path.dirname(p), spec) : '';
            if (isPlugin(spec) || target.startsWith(pluginsDir)) offenders.push(`${path.relative(REPO_ROOT, p)}: ${spec}`);
          }
        }
      }
    };
    walk(path.join(REPO_ROOT, 'src'));
    expect(offenders).toEqual([]);
  });
});

describe('list-components', () => {
  it('lists components with scope, role, plugin and argument summary', () => {
    importPlugin('./core-test-plugin.ts', { from: path.join(PLUGINS, 'x.ts'), name: 'core-test' });
    const rows = listComponents('models');
    const net = rows.find((r) => r.qualified === 'coretest.TinyNet');
    expect(net).toMatchObject({ registry: 'models', scope: 'coretest', role: 'backbone', description: 'test backbone' });
    expect(net!.args).toEqual([
      { name: 'depth', type: 'integer', required: true, default: 2 },
      { name: 'width', type: 'number', required: true, default: 1 },
      { name: 'stages', type: 'array of integer', required: false },
      { name: 'act', type: '"relu" | "gelu"', required: false },
    ]);
    expect(rows.every((r) => r.registry === 'models')).toBe(true);
    expect(summarizeSchema(undefined)).toBeNull();
    expect(() => listComponents('modls')).toThrow(/unknown registry 'modls' \(did you mean 'models'\?\)/);
  });
});

describe('process-wide registry state', () => {
  it('a second copy of the registry modules shares the same registries', () => {
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const fresh = require('../../src/registry/root') as typeof import('../../src/registry/root');
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const freshRegistry = require('../../src/registry/registry') as typeof import('../../src/registry/registry');
      expect(fresh.MODELS).toBe(MODELS);
      expect(freshRegistry.Registry).not.toBe(Registry); // really another module copy
      expect(freshRegistry.loadedPlugins()).toEqual(loadedPlugins());
    });
  });
});
