/**
 * Configs of installed packages: `_base_`, `readBase` and a tool's config
 * argument name them as `@fer-mm/apvit/configs/demo.ts` or
 * `@fer-mm/apvit::demo.ts`, resolved with node's package lookup from the
 * naming file's folder. The project here is a temporary folder whose
 * node_modules links the workspace packages, as an install would.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { loadConfig, locateConfigFile, readBase, resolveConfigSpec } from '../../src/config';
import { configBasename } from '../../src/runner/api/work-dir';

const REPO = path.resolve(__dirname, '../..');
let proj: string;

function write(rel: string, text: string): string {
  const f = path.join(proj, rel);
  fs.mkdirSync(path.dirname(f), { recursive: true });
  fs.writeFileSync(f, text);
  return f;
}

beforeAll(() => {
  proj = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'pkg-configs-')));
  fs.mkdirSync(path.join(proj, 'node_modules/@fer-mm'), { recursive: true });
  for (const p of ['apvit', 'transfer']) fs.symlinkSync(path.join(REPO, 'plugins', p), path.join(proj, 'node_modules/@fer-mm', p), 'dir');
});
afterAll(() => fs.rmSync(proj, { recursive: true, force: true }));

describe('_base_ from an installed package', () => {
  it('inherits @fer-mm/apvit/configs/demo.ts, and _delete_ replaces its model', () => {
    const file = write(
      'exp/my_config.ts',
      [
        'export default {',
        "  _base_: '@fer-mm/apvit/configs/demo.ts',",
        "  model: { _delete_: true, type: 'ImageClassifier', backbone: { type: 'MyNet' } },",
        '  runner: { max_epochs: 1 },',
        '};',
      ].join('\n'),
    );
    const c = loadConfig(file, { importCustomModules: false });
    expect(c.cfg.model).toEqual({ type: 'ImageClassifier', backbone: { type: 'MyNet' } });
    expect(c.cfg.runner).toEqual({ type: 'EpochBasedRunner', max_epochs: 1 });
    // the demo's own bases came along: its data, the framework's RAF pipelines and runtime
    expect((c.cfg.data as { samples_per_gpu: number }).samples_per_gpu).toBe(16);
    expect(c.cfg.log_level).toBe('INFO');
    expect(c.files.map((f) => path.relative(REPO, fs.realpathSync(f)))).toEqual([
      'configs/_base_/datasets/RAF.ts',
      'configs/_base_/default_runtime.ts',
      'plugins/apvit/configs/RAF.ts',
      'plugins/apvit/configs/demo.ts',
      path.relative(REPO, file),
    ]);
  });

  it("reads MMEngine's package::path form, relative to the package's configs folder", () => {
    const file = write('exp/mm_form.ts', "export default { _base_: ['@fer-mm/transfer::demo.ts'], runner: { max_epochs: 2 } };\n");
    const c = loadConfig(file, { importCustomModules: false });
    expect((c.cfg.model as { type: string }).type).toBe('TransFER');
    expect(c.cfg.runner).toEqual({ type: 'EpochBasedRunner', max_epochs: 2 });
    expect(c.files.map((f) => path.basename(f))).toContain('demo.ts');
  });

  it('a bare file name beside the config still wins over a package of that name', () => {
    write('exp/local_base.ts', 'export default { seed: 3 };\n');
    const file = write('exp/uses_local.ts', "export default { _base_: 'local_base.ts', log_level: 'DEBUG' };\n");
    expect(loadConfig(file, { importCustomModules: false }).cfg).toEqual({ seed: 3, log_level: 'DEBUG' });
  });
});

describe('readBase and the config argument of the tools', () => {
  it('readBase resolves a package file from the folder it is given', () => {
    const dir = path.join(proj, 'exp');
    const demo = readBase(dir, '@fer-mm/apvit::demo.ts');
    expect((demo.model as { type: string }).type).toBe('PoolingVitClassifier');
    expect(readBase(dir, '@fer-mm/apvit/configs/demo.ts')).toEqual(demo);
  });

  it('a tool config argument may be a package file, resolved from the current folder', () => {
    expect(locateConfigFile('@fer-mm/apvit/configs/RAF.ts', proj)).toBe(path.join(proj, 'node_modules/@fer-mm/apvit/configs/RAF.ts'));
    expect(locateConfigFile('@fer-mm/apvit::RAF', proj)).toBe(path.join(proj, 'node_modules/@fer-mm/apvit/configs/RAF.ts'));
    // the work dir is named after the file, whatever form named it
    expect(configBasename('@fer-mm/apvit::RAF.ts')).toBe('RAF');
    // from the repository (the workspace links): loadConfig accepts it as every tool's argument does
    const c = loadConfig('@fer-mm/apvit::demo.ts', { importCustomModules: false });
    expect(fs.realpathSync(c.filename)).toBe(path.join(REPO, 'plugins/apvit/configs/demo.ts'));
  });

  it('fer-mm:: names the running framework, wherever another copy is installed', () => {
    write('node_modules/fer-mm/package.json', '{ "name": "fer-mm", "version": "9.9.9" }');
    write('node_modules/fer-mm/configs/_base_/default_runtime.ts', 'export default { other_copy: true };\n');
    expect(resolveConfigSpec('fer-mm::_base_/default_runtime.ts', proj, { role: 'test' })).toBe(path.join(REPO, 'configs/_base_/default_runtime.ts'));
  });
});

describe('errors', () => {
  it('a misspelt package: where it looked, what is installed, what to install', () => {
    const file = write('exp/typo_pkg.ts', "export default { _base_: '@fer-mm/apvitt/configs/demo.ts' };\n");
    let msg = '';
    try {
      loadConfig(file, { importCustomModules: false });
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: _base_ '@fer-mm/apvitt/configs/demo.ts': package '@fer-mm/apvitt' is not installed`));
    expect(msg).toContain(`looked for @fer-mm/apvitt/package.json in:\n    ${path.join(proj, 'exp/node_modules')}\n    ${path.join(proj, 'node_modules')}`);
    expect(msg).toMatch(/did you mean: '@fer-mm\/apvit'\?/);
    expect(msg).toMatch(/fix: npm install @fer-mm\/apvitt/);
  });

  it('a file the package does not ship: the configs it does ship', () => {
    const file = write('exp/typo_file.ts', "export default { _base_: '@fer-mm/apvit::demoo.ts' };\n");
    expect(() => loadConfig(file, { importCustomModules: false })).toThrow(
      /_base_ '@fer-mm\/apvit::demoo\.ts': @fer-mm\/apvit@0\.1\.0 \(.*\) has no configs\/demoo\.ts\n {2}configs it ships \(configs\/\): RAF\.ts, demo\.ts/,
    );
  });

  it('a missing relative base keeps its message', () => {
    const file = write('exp/missing.ts', "export default { _base_: './nope.ts' };\n");
    expect(() => loadConfig(file)).toThrow(/_base_ '\.\/nope\.ts' not found \(looked for .*nope\.ts\)/);
  });
});
