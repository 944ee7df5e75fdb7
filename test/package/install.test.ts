/**
 * The published packages work like any library: `npm pack` in a copy of the
 * repository with no build (its `prepack` builds) -> the three tarballs
 * (fer-mm, @fer-mm/apvit, @fer-mm/transfer) installed into a fresh project
 * outside the repository -> plain `node` (no ts-jest) requires them, the
 * `fer-mm` bin runs, the data-loader worker starts, and a plugin project
 * beside them inherits the APViT demo config by package name, trains and
 * tests through `fer-mm`, sees its components and the installed model
 * packages in `list-components`, and type-checks with a stock `tsc --init`
 * tsconfig and no extra @types packages.
 *
 * Installing downloads nothing: each tarball is unpacked into node_modules
 * (exactly the files `npm pack` ships) and each runtime dependency is linked
 * from this repository's node_modules, which `npm ci` filled. Node and tsc
 * follow the links to their real paths, so transitive dependencies resolve as
 * in a real install. Plain-JavaScript use must not load tsx; TypeScript
 * configs and plugins load through it (a dependency of fer-mm).
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tinyConfig } from '../apvit/tiny';

const ROOT = path.resolve(__dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');

let tmp: string;
let proj: string;
let packed: string[];

function run(cmd: string, args: string[], cwd: string) {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } });
  return { code: r.status, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** What `npm install <tarball>` leaves behind, without the network; returns the package's name. */
function installTarball(tarball: string, dir: string): string {
  const nm = path.join(dir, 'node_modules');
  fs.mkdirSync(path.join(nm, '.bin'), { recursive: true });
  const unpacked = fs.mkdtempSync(path.join(tmp, 'unpack-'));
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
  const pkg = JSON.parse(fs.readFileSync(path.join(unpacked, 'package/package.json'), 'utf8'));
  fs.mkdirSync(path.dirname(path.join(nm, pkg.name)), { recursive: true });
  fs.renameSync(path.join(unpacked, 'package'), path.join(nm, pkg.name));
  for (const dep of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
    const src = path.join(ROOT, 'node_modules', dep);
    // the model packages come from their own tarballs; @fer-mm/collectives stays out (the test of the
    // distributed entry checks the message for a machine without it)
    if (dep.startsWith('@fer-mm/') || !fs.existsSync(src) || fs.existsSync(path.join(nm, dep))) continue;
    fs.mkdirSync(path.dirname(path.join(nm, dep)), { recursive: true });
    fs.symlinkSync(src, path.join(nm, dep), 'dir');
  }
  for (const [name, rel] of Object.entries((pkg.bin ?? {}) as Record<string, string>)) {
    const target = path.join(nm, pkg.name, rel);
    fs.chmodSync(target, 0o755);
    fs.symlinkSync(path.relative(path.join(nm, '.bin'), target), path.join(nm, '.bin', name));
  }
  return pkg.name;
}

/** `npm pack` of `dir` into the temporary folder; the tarball and its file list. */
function pack(dir: string): { tarball: string; files: string[] } {
  const r = run(NPM, ['pack', '--silent', '--json', '--pack-destination', tmp], dir);
  if (r.code !== 0) throw new Error(`npm pack ${dir} failed:\n${r.out}`);
  const info = JSON.parse(r.out.slice(r.out.indexOf('[')))[0] as { filename: string; files: Array<{ path: string }> };
  return { tarball: path.join(tmp, info.filename), files: info.files.map((f) => f.path) };
}

/** The repository as a fresh clone has it (tracked and unignored files, links kept), no build; node_modules linked. */
function cloneWithoutBuild(dest: string): void {
  const files = execFileSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) {
    const from = path.join(ROOT, f);
    const to = path.join(dest, f);
    const st = fs.lstatSync(from, { throwIfNoEntry: false });
    if (!st) continue; // deleted in the working tree
    fs.mkdirSync(path.dirname(to), { recursive: true });
    if (st.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(from), to);
    else fs.copyFileSync(from, to);
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dest, 'node_modules'), 'dir');
}

let clone: string;

beforeAll(() => {
  tmp = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-pack-')));
  proj = path.join(tmp, 'consumer');
  fs.mkdirSync(proj);
  clone = path.join(tmp, 'clone');
  cloneWithoutBuild(clone);
  expect(fs.existsSync(path.join(clone, 'dist'))).toBe(false);
  // `prepack` builds the framework and the model packages (dist/packages/<name>)
  const framework = pack(clone);
  packed = framework.files;
  installTarball(framework.tarball, proj);
  for (const dir of ['apvit', 'transfer']) installTarball(pack(path.join(clone, 'dist/packages', dir)).tarball, proj);
}, 300_000);

afterAll(() => {
  if (tmp && !process.env.KEEP_TMP_DEBUG) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the build and no tests, sources or repo tooling', () => {
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/tools/cli.js']));
    // the framework's config bases, which the model packages' configs inherit
    expect(packed).toEqual(expect.arrayContaining(['configs/_base_/default_runtime.ts', 'configs/_base_/datasets/RAF.ts']));
    expect(packed).toEqual(expect.arrayContaining(['dist/src/data/worker-entry.js', 'dist/src/data/worker.js', 'dist/src/distributed/engine.js']));
    const unwanted = packed.filter((f) => /(^|\/)test\/|\.test\.|^src\/|^tools\/|^\.ci\/|tsbuildinfo/.test(f));
    expect(unwanted).toEqual([]);
  });

  it('has a built file for every entry of the exports map', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const [sub, target] of Object.entries(pkg.exports as Record<string, string | { types: string; default: string }>)) {
      if (typeof target === 'string' && target.includes('*')) continue; // a pattern (configs/*): its folder ships
      const files = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const f of files) expect({ sub, shipped: packed.includes(path.posix.normalize(f)) }).toEqual({ sub, shipped: true });
    }
  });
});

describe('the public API', () => {
  it('matches the committed API reports in etc/ (npm run api:update rewrites them)', () => {
    const r = run(process.execPath, [path.join(clone, 'etc/api-report.cjs')], clone);
    expect(r.out).toBe('');
    expect(r.code).toBe(0);
  });
});

describe('the installed package on plain node', () => {
  it('requires fer-mm and a subpath, and builds a registered component', () => {
    const script = [
      "const fer = require('fer-mm');",
      "const { DataLoader } = require('fer-mm/data');",
      "const t = fer.TRANSFORMS.build({ type: 'Resize', size: 8 }, { path: 'pipeline[0]' });",
      "console.log(JSON.stringify({ resize: t.constructor.name, loader: typeof DataLoader, tsx: Object.keys(require.cache).some((k) => k.includes('/tsx/')) }));",
    ].join('\n');
    const r = run(process.execPath, ['-e', script], proj);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.trim().split('\n').pop()!)).toEqual({ resize: 'Resize', loader: 'function', tsx: false });
  });

  it('starts the data-loader worker from the built JavaScript', () => {
    // An unknown dataset type: the worker must load, reach the registry and report that, not a tsx or syntax error.
    const script = [
      "const path = require('path');",
      "const { Worker } = require('worker_threads');",
      "const entry = path.join(path.dirname(require.resolve('fer-mm')), 'data/worker-entry.js');",
      "const w = new Worker(entry, { workerData: { datasetCfg: { type: 'NoSuchDataset' }, imports: [] } });",
      "w.on('message', (m) => { console.log(JSON.stringify(m.type === 'fatal' ? { type: m.type, error: m.error } : m)); w.terminate(); });",
      "w.on('error', (e) => { console.log(JSON.stringify({ type: 'error', error: e.message })); });",
    ].join('\n');
    const r = run(process.execPath, ['-e', script], proj);
    const msg = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(msg.type).toBe('fatal');
    expect(msg.error).toMatch(/NoSuchDataset/);
  });

  it('loads the distributed entry without a collective engine, and says how to install one', () => {
    // the consumer has no @fer-mm/collectives: single-process use is unaffected, a multi-process run is told what to install
    const script = [
      "const d = require('fer-mm/distributed');",
      "console.log(JSON.stringify({ why: d.noEngineBuilt(), backend: d.resolveBackend(undefined, 'pytorch') }));",
    ].join('\n');
    const r = run(process.execPath, ['-e', script], proj);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out.trim().split('\n').pop()!);
    expect(out.backend).toBe('gloo');
    expect(out.why).toMatch(/@fer-mm\/collectives does not load .*Install it: apt-get install libgloo-dev libopenmpi-dev openmpi-bin \(Debian\/Ubuntu\), then npm rebuild @fer-mm\/collectives/);
  });

  it('has the multi-process launcher start the built tools on plain node', () => {
    const script = [
      "const { tsxExecArgv } = require('fer-mm/distributed');",
      "console.log(JSON.stringify({ js: tsxExecArgv(require.resolve('fer-mm/package.json').replace(/package\\.json$/, 'dist/tools/train.js')) }));",
    ].join('\n');
    const r = run(process.execPath, ['-e', script], proj);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out.trim().split('\n').pop()!)).toEqual({ js: [] });
  });

  it('runs the fer-mm bin: --help lists the tools, a tool prints its own help', () => {
    const bin = path.join(proj, 'node_modules/.bin/fer-mm');
    const help = run(bin, ['--help'], proj);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Usage: fer-mm <command>/);
    for (const cmd of ['train', 'test', 'infer', 'print-config']) expect(help.out).toMatch(new RegExp(`^\\s+${cmd}\\s`, 'm'));
    const tool = run(bin, ['print-config', '--help'], proj);
    expect(tool.code).toBe(0);
    expect(tool.out).toMatch(/Usage: print-config/);
    const unknown = run(bin, ['no-such-tool'], proj);
    expect(unknown.code).toBe(2);
    expect(unknown.out).toMatch(/unknown command 'no-such-tool'/);
  });
});

describe('the installed model packages', () => {
  it('load through a config\'s custom_imports on plain node; the model builds and classifies', () => {
    // @fer-mm/transfer brings @fer-mm/apvit (its dependency) first; both register into the installed framework
    const model = { ...tinyConfig(), extractor: { ...tinyConfig().extractor, pretrained: null } };
    fs.writeFileSync(path.join(proj, 'config.json'), JSON.stringify({ custom_imports: { imports: ['@fer-mm/transfer'] }, model }));
    const script = [
      "const { MODELS, tf, importCustomModules } = require('fer-mm');",
      "const cfg = require('./config.json');",
      "const loaded = importCustomModules(cfg.custom_imports, require('path').resolve('config.json')).map((p) => p.name);",
      "const m = MODELS.build(cfg.model, { path: 'model' });",
      'const p = m.eval().simpleTest(tf.zeros([2, 32, 32, 3]));',
      "console.log(JSON.stringify({ loaded, owner: MODELS.get('PoolingVitClassifier').plugin, transfer: MODELS.has('TransFER'), shape: p.shape, sum: Math.round(p.sum().dataSync()[0] * 1e4) / 1e4,",
      "  tsx: Object.keys(require.cache).some((k) => k.includes('/tsx/')), sources: Object.keys(require.cache).some((k) => k.endsWith('.ts')) }));",
    ].join('\n');
    const r = run(process.execPath, ['-e', script], proj);
    expect(r.code).toBe(0);
    // tfjs may print its "install the node backend" banner around the result line
    const line = r.out.split('\n').find((l) => l.startsWith('{"loaded"'));
    expect(line && JSON.parse(line)).toEqual({
      loaded: ['@fer-mm/transfer'],
      owner: '@fer-mm/apvit',
      transfer: true,
      shape: [2, 7],
      sum: 2,
      tsx: false,
      sources: false,
    });
  });
});

describe('a plugin written against the installed package', () => {
  it('type-checks with a stock tsconfig (tsc --init, strict), no extra @types, in under 15 s', () => {
    const plugin = path.join(tmp, 'plugin');
    fs.mkdirSync(plugin);
    fs.symlinkSync(path.join(proj, 'node_modules'), path.join(plugin, 'node_modules'), 'dir');
    fs.writeFileSync(path.join(plugin, 'package.json'), JSON.stringify({ name: 'my-head', version: '0.0.0', type: 'module', dependencies: { 'fer-mm': '*' } }));
    fs.writeFileSync(
      path.join(plugin, 'index.ts'),
      [
        "import { MODELS, Module, Linear, Type, tf, type Static } from 'fer-mm';",
        '',
        'const TinyHeadArgs = Type.Object({ in_channels: Type.Integer({ minimum: 1 }), num_classes: Type.Integer({ minimum: 1 }) });',
        'type TinyHeadArgs = Static<typeof TinyHeadArgs>;',
        '',
        "@MODELS.register({ name: 'TinyHead', schema: TinyHeadArgs, role: 'head' })",
        'export class TinyHead extends Module {',
        '  readonly fc: Linear;',
        '  constructor(args: TinyHeadArgs) {',
        '    super();',
        "    this.fc = this.registerModule('fc', new Linear({ inFeatures: args.in_channels, outFeatures: args.num_classes }));",
        '  }',
        '  forward(x: tf.Tensor2D): tf.Tensor2D {',
        '    return tf.tidy(() => tf.softmax(this.fc.forward(x)) as tf.Tensor2D);',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    expect(run(process.execPath, [TSC, '--init'], plugin).code).toBe(0);
    const tsconfig = fs.readFileSync(path.join(plugin, 'tsconfig.json'), 'utf8');
    expect(tsconfig).toMatch(/^\s*"strict": true/m);
    const t0 = Date.now();
    const check = run(process.execPath, [TSC, '--noEmit', '-p', '.'], plugin);
    const seconds = (Date.now() - t0) / 1000;
    expect(check.out).toBe('');
    expect(check.code).toBe(0);
    expect(seconds).toBeLessThan(15);
    // The check must have seen the package's declarations, not skipped them.
    const list = run(process.execPath, [TSC, '--noEmit', '-p', '.', '--listFilesOnly'], plugin);
    expect(list.out).toMatch(/node_modules\/fer-mm\/dist\/src\/index\.d\.ts/);
    // ...and they do not pull in Node's typings (a plugin must not need @types/node).
    expect(list.out).not.toMatch(/@types\/node\//);
  });
});

describe('a plugin project using the installed packages (through the fer-mm command, on plain node)', () => {
  let exp: string;
  let bin: string;
  const fermm = (args: string[]) => run(bin, args, exp);

  beforeAll(() => {
    exp = path.join(tmp, 'my-exp');
    fs.mkdirSync(exp);
    fs.symlinkSync(path.join(proj, 'node_modules'), path.join(exp, 'node_modules'), 'dir');
    bin = path.join(exp, 'node_modules/.bin/fer-mm');
    // an ES-module project, as `npm init` + "type": "module" makes it
    fs.writeFileSync(
      path.join(exp, 'package.json'),
      JSON.stringify({ name: 'my-exp', version: '0.0.0', type: 'module', 'fer-mm': { scope: 'myexp' }, dependencies: { 'fer-mm': '*', '@fer-mm/apvit': '*' } }),
    );
    // its own backbone, in its own scope, written against the installed SDK
    fs.writeFileSync(
      path.join(exp, 'index.ts'),
      [
        "import { MODELS, Module, Type, tf, type Static } from 'fer-mm';",
        '',
        'const TinyNetArgs = Type.Object({ width: Type.Integer({ minimum: 1, default: 8 }) }, { additionalProperties: false });',
        'type TinyNetArgs = Static<typeof TinyNetArgs>;',
        '',
        "const MY_MODELS = MODELS.child('myexp');",
        '',
        "@MY_MODELS.register({ name: 'TinyNet', schema: TinyNetArgs, role: 'backbone' })",
        'export class TinyNet extends Module {',
        '  readonly weight: tf.Variable;',
        '  constructor(args: TinyNetArgs) {',
        '    super();',
        "    this.weight = this.registerParameter('weight', tf.randomNormal([3, args.width], 0, 0.1));",
        '  }',
        '  forward(x: tf.Tensor4D): tf.Tensor4D {',
        '    return tf.tidy(() => {',
        '      const [b, h, w] = x.shape;',
        '      return tf.relu(x.reshape([-1, 3]).matMul(this.weight)).reshape([b, h, w, -1]) as tf.Tensor4D;',
        '    });',
        '  }',
        '}',
        '',
      ].join('\n'),
    );
    const config = (backbone: string, base = '@fer-mm/apvit/configs/demo.ts') =>
      [
        "import { defineConfig } from 'fer-mm/config';",
        '',
        'export default defineConfig({',
        `  _base_: '${base}',`,
        "  custom_imports: { imports: ['./index.ts'] },",
        '  model: {',
        '    _delete_: true,',
        "    type: 'ImageClassifier',",
        `    backbone: { type: '${backbone}', width: 8 },`,
        "    neck: { type: 'GlobalAveragePooling' },",
        "    head: { type: 'LinearClsHead', num_classes: 7, in_channels: 8 },",
        '  },',
        '  data: { samples_per_gpu: 7, workers_per_gpu: 1 },',
        '  runner: { max_epochs: 1 },',
        "  log_config: { interval: 1, hooks: [{ type: 'TextLoggerHook' }] },",
        '});',
        '',
      ].join('\n');
    fs.writeFileSync(path.join(exp, 'config.ts'), config('TinyNet'));
    fs.writeFileSync(path.join(exp, 'typo_type.ts'), config('TinyNett'));
    fs.writeFileSync(path.join(exp, 'typo_package.ts'), config('TinyNet', '@fer-mm/apvitt/configs/demo.ts'));
    const data = fermm(['make-demo-data', 'data/demo', '--train', '14', '--test', '7', '--size', '32']);
    if (data.code !== 0) throw new Error(`make-demo-data failed:\n${data.out}`);
  }, 120_000);

  it('print-config resolves the inherited demo config with its model replaced', () => {
    const r = fermm(['print-config', 'config.ts']);
    expect(r.code).toBe(0);
    const cfg = JSON.parse(r.out.slice(r.out.indexOf('{')));
    expect(cfg.model).toEqual({
      type: 'ImageClassifier',
      backbone: { type: 'TinyNet', width: 8 },
      neck: { type: 'GlobalAveragePooling' },
      head: { type: 'LinearClsHead', num_classes: 7, in_channels: 8 },
    });
    // the demo's data and schedule, and the framework's runtime base under it
    expect(cfg.data.train.ann_file).toBe('data/demo/EmoLabel/train.txt');
    expect(cfg.optimizer.type).toBe('AdamW');
    expect(cfg.log_level).toBe('INFO');
  });

  it('list-components shows the installed model packages and the project\'s own components', () => {
    const r = fermm(['list-components', '--registry', 'models', '--config', 'config.ts']);
    expect(r.code).toBe(0);
    // @fer-mm/apvit loads first as a dependency of the project's plugin (its package.json lists it)
    expect(r.out).toMatch(/@fer-mm\/apvit@0\.1\.0\s+scope=apvit\s+loaded/);
    expect(r.out).toMatch(/@fer-mm\/transfer@0\.1\.0\s+scope=transfer\s+not loaded/);
    expect(r.out).toMatch(/myexp\.TinyNet {2}role=backbone plugin=.*index\.ts/);
    const all = fermm(['list-components', '--registry', 'models', '--all', '--json']);
    expect(all.code).toBe(0);
    const listed = JSON.parse(all.out.slice(all.out.indexOf('{'))) as { packages: Array<{ name: string; loaded: boolean }>; components: Array<{ qualified: string }> };
    expect(listed.packages.map((p) => [p.name, p.loaded])).toEqual([
      ['@fer-mm/apvit', true],
      ['@fer-mm/transfer', true],
    ]);
    expect(listed.components.map((c) => c.qualified)).toEqual(expect.arrayContaining(['apvit.PoolingViT', 'transfer.TransFER', 'core.LinearClsHead']));
  });

  it('trains one epoch and tests the checkpoint with --out', () => {
    const train = fermm(['train', 'config.ts', '--work-dir', 'work', '--backend', 'cpu', '--seed', '0']);
    expect(train.out).not.toMatch(/already registered|Unused kwargs/);
    expect(train.code).toBe(0);
    expect(fs.existsSync(path.join(exp, 'work/latest'))).toBe(true);
    const test = fermm(['test', 'config.ts', 'work/latest', '--metrics', 'accuracy', '--out', 'result.json', '--backend', 'cpu']);
    expect(test.code).toBe(0);
    const result = JSON.parse(fs.readFileSync(path.join(exp, 'result.json'), 'utf8'));
    expect(result.pred_label).toHaveLength(7);
    expect(result['accuracy_top-1']).toBeGreaterThanOrEqual(0);
    expect(test.out).toMatch(/accuracy_top-1 : /);
  });

  it('a misspelt type names the close registered name', () => {
    const r = fermm(['train', 'typo_type.ts', '--work-dir', 'work_typo', '--backend', 'cpu']);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/model\.backbone\.type: 'TinyNett' is not registered in the models registry/);
    expect(r.out).toMatch(/did you mean: 'myexp\.TinyNet'/);
  });

  it('a misspelt package names where it looked and what to install', () => {
    const r = fermm(['print-config', 'typo_package.ts']);
    expect(r.code).not.toBe(0);
    expect(r.out).toMatch(/_base_ '@fer-mm\/apvitt\/configs\/demo\.ts': package '@fer-mm\/apvitt' is not installed/);
    expect(r.out).toContain(path.join(exp, 'node_modules'));
    expect(r.out).toMatch(/did you mean: '@fer-mm\/apvit'\?/);
    expect(r.out).toMatch(/npm install @fer-mm\/apvitt/);
  });

  it('type-checks, configs included, with its own stock tsconfig', () => {
    expect(run(process.execPath, [TSC, '--init'], exp).code).toBe(0);
    const check = run(process.execPath, [TSC, '--noEmit', '-p', '.'], exp);
    expect(check.out).toBe('');
    expect(check.code).toBe(0);
    const list = run(process.execPath, [TSC, '--noEmit', '-p', '.', '--listFilesOnly'], exp);
    expect(list.out).toMatch(/my-exp\/config\.ts/);
    expect(list.out).toMatch(/node_modules\/fer-mm\/dist\/src\/config\/index\.d\.ts/);
  });
});
