/**
 * Plugin scopes: a plugin package declares its scope in package.json
 * (`"fer-mm": { "scope": "apvit" }`) and registers there; bare names keep
 * resolving, `core.X` of a moved component loads with a deprecation note, a
 * `type` naming the scope of an installed package that is not loaded yet
 * loads it (MMEngine's registry `locations`), and list-components shows the
 * installed plugin packages.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MODELS } from '../../src/registry/root';
import { importPlugin } from '../../src/plugin-loader/loader';
import { isPluginLoaded } from '../../src/plugin-loader/scopes';
import { clearInstalledPluginsCache, installedPlugins } from '../../src/plugin-loader/installed';
import { listPackages, loadInstalledPackages } from '../../tools/list-components';
import { tinyConfig } from '../apvit/tiny';
import { tinyTransferConfig } from '../transfer/tiny';

const REPO = path.resolve(__dirname, '../..');
let proj: string;
const cwd = process.cwd();

function write(rel: string, text: string): void {
  const f = path.join(proj, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
}

/** An installed plugin package, as npm leaves it: a scope in package.json, components registered there. */
function installWidgets(): void {
  write(
    'node_modules/@acme/fer-widgets/package.json',
    JSON.stringify({ name: '@acme/fer-widgets', version: '1.2.3', main: 'index.js', 'fer-mm': { scope: 'widgets' }, peerDependencies: { 'fer-mm': '*' } }),
  );
  write(
    'node_modules/@acme/fer-widgets/index.js',
    [
      "const { MODELS } = require('fer-mm');",
      'class Widget { constructor(args) { this.args = args; } }',
      "MODELS.child(require('./package.json')['fer-mm'].scope).registerModule(Widget, { name: 'Widget' });",
      'module.exports = { Widget };',
    ].join('\n'),
  );
  // an ordinary package beside it is not a plugin
  write('node_modules/left-pad/package.json', JSON.stringify({ name: 'left-pad', version: '1.0.0' }));
}

beforeAll(() => {
  proj = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'plugin-scopes-')));
  installWidgets();
  process.chdir(proj);
  clearInstalledPluginsCache();
});
afterAll(() => {
  process.chdir(cwd);
  fs.rmSync(proj, { recursive: true, force: true });
});

describe('the model packages register in their own scopes', () => {
  beforeAll(() => {
    importPlugin('@fer-mm/transfer', { from: path.join(REPO, 'x.ts') });
  });

  it('apvit.X and transfer.X; bare names resolve to the same entries', () => {
    for (const [scope, name] of [
      ['apvit', 'PoolingViT'],
      ['apvit', 'IRSE'],
      ['apvit', 'PoolingVitClassifier'],
      ['transfer', 'TransFER'],
      ['transfer', 'MSADViT'],
    ]) {
      const e = MODELS.get(`${scope}.${name}`);
      expect({ name, scope: e?.registry.scope }).toEqual({ name, scope });
      expect(MODELS.get(name)).toBe(e);
    }
    expect(MODELS.get('apvit.PoolingViT')?.plugin).toBe('@fer-mm/apvit');
    expect(MODELS.get('transfer.IRSE')).toBeUndefined();
  });

  it('a model whose nested nodes use bare names from another scope builds (TransFER -> IRSE)', () => {
    const cfg = tinyTransferConfig();
    expect(cfg.extractor.type).toBe('IRSE');
    const model = MODELS.build<object>(cfg, { path: 'model' });
    expect(model.constructor.name).toBe('TransFER');
  });

  it('core.X of a component that moved to a plugin scope still builds, with one deprecation note', () => {
    const emit = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expect(MODELS.get('core.PoolingVitClassifier')).toBe(MODELS.get('apvit.PoolingVitClassifier'));
      const cfg = { ...tinyConfig(), type: 'core.PoolingVitClassifier', extractor: { ...tinyConfig().extractor, type: 'core.IRSE', pretrained: null } };
      MODELS.build(cfg, { path: 'model' });
      const notes = emit.mock.calls.map((c) => String(c[0]));
      expect(notes).toEqual([
        expect.stringMatching(/'core\.PoolingVitClassifier' \(models registry\) is deprecated: .*write 'apvit\.PoolingVitClassifier' or 'PoolingVitClassifier'/),
        expect.stringMatching(/'core\.IRSE' .* is deprecated/),
      ]);
    } finally {
      emit.mockRestore();
    }
  });
});

describe('a scope whose package is installed but not imported', () => {
  it('is found by its package.json and listed as not loaded', () => {
    const names = installedPlugins().map((p) => `${p.name}@${p.version}:${p.scope}`);
    expect(names).toEqual(expect.arrayContaining(['@acme/fer-widgets@1.2.3:widgets', '@fer-mm/apvit@0.1.0:apvit', '@fer-mm/transfer@0.1.0:transfer']));
    expect(names.some((n) => n.startsWith('left-pad'))).toBe(false);
    expect(listPackages().find((p) => p.name === '@acme/fer-widgets')).toMatchObject({ version: '1.2.3', scope: 'widgets', loaded: false });
  });

  it('an unknown bare name hints at the installed packages not loaded yet', () => {
    expect(() => MODELS.build({ type: 'Widget' }, { path: 'model' })).toThrow(/installed plugin packages not loaded yet: @acme\/fer-widgets \(scope 'widgets'\)/);
  });

  it('loads on demand when a type names its scope', () => {
    const w = MODELS.build<{ args: unknown }>({ type: 'widgets.Widget', size: 3 }, { path: 'model' });
    expect(w.args).toEqual({ size: 3 });
    expect(MODELS.get('widgets.Widget')?.plugin).toBe('@acme/fer-widgets');
    expect(isPluginLoaded(installedPlugins().find((p) => p.name === '@acme/fer-widgets')!)).toBe(true);
    expect(listPackages().find((p) => p.name === '@acme/fer-widgets')?.loaded).toBe(true);
    loadInstalledPackages(); // --all: nothing left to load, nothing loaded twice
    expect(listPackages().every((p) => p.loaded)).toBe(true);
  });

  it('a scope no installed package declares: what is installed, where it looked, what to do', () => {
    let msg = '';
    try {
      MODELS.build({ type: 'widgest.Widget' }, { path: 'model' });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/model\.type: 'widgest\.Widget' is not registered in the models registry/);
    expect(msg).toMatch(/no installed package declares scope 'widgest' \(package\.json: "fer-mm": \{ "scope": "widgest" \}\)/);
    expect(msg).toMatch(/installed plugin packages: @acme\/fer-widgets \(scope 'widgets'\)/);
    expect(msg).toContain(`looked in: ${path.join(proj, 'node_modules')}`);
    expect(msg).toMatch(/fix: install the package that provides scope 'widgest' \(npm install <package>\)/);
    expect(msg).toMatch(/did you mean: 'widgets\.Widget'/);
  });
});
