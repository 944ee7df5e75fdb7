/**
 * The published package works like any library: `npm run build` -> `npm pack`
 * -> the tarball installed into a fresh project outside the repository ->
 * plain `node` (no tsx, no ts-jest) requires it, its `fer-mm` bin runs, its
 * data-loader worker starts, and a plugin written against it type-checks with
 * a stock `tsc --init` tsconfig and no extra @types packages.
 *
 * Installing downloads nothing: the tarball is unpacked into
 * node_modules/fer-mm (exactly the files `npm pack` ships) and each of its
 * runtime dependencies is linked from this repository's node_modules, which
 * `npm ci` filled. Node and tsc follow the links to their real paths, so
 * transitive dependencies resolve as in a real install. `tsx` is deliberately
 * NOT linked: the built package must run on plain node.
 */
import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tinyConfig } from '../apvit/tiny';

const ROOT = path.resolve(__dirname, '../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const TSC = path.join(ROOT, 'node_modules/typescript/bin/tsc');
const NOT_LINKED = new Set(['tsx']);

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
    // the plugin packages are installed from their own tarballs, not linked to the workspace
    if (NOT_LINKED.has(dep) || dep.startsWith('@fer-mm/') || !fs.existsSync(src) || fs.existsSync(path.join(nm, dep))) continue;
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

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-pack-'));
  proj = path.join(tmp, 'consumer');
  fs.mkdirSync(proj);
  const build = run(NPM, ['run', '--silent', 'build'], ROOT);
  if (build.code !== 0) throw new Error(`npm run build failed:\n${build.out}`);
  const framework = pack(ROOT);
  packed = framework.files;
  installTarball(framework.tarball, proj);
  // the built plugin packages (npm run build writes them to dist/packages/<name>)
  for (const dir of ['apvit', 'transfer']) installTarball(pack(path.join(ROOT, 'dist/packages', dir)).tarball, proj);
}, 180_000);

afterAll(() => {
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('npm pack', () => {
  it('ships the build and no tests, sources or repo tooling', () => {
    expect(packed).toEqual(expect.arrayContaining(['package.json', 'dist/src/index.js', 'dist/src/index.d.ts', 'dist/tools/cli.js']));
    expect(packed).toEqual(expect.arrayContaining(['dist/src/data/worker-entry.js', 'dist/src/data/worker.js', 'dist/src/distributed/engine.js']));
    const unwanted = packed.filter((f) => /(^|\/)test\/|\.test\.|^src\/|^tools\/|^\.ci\/|tsbuildinfo/.test(f));
    expect(unwanted).toEqual([]);
  });

  it('has a built file for every entry of the exports map', () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    for (const [sub, target] of Object.entries(pkg.exports as Record<string, string | { types: string; default: string }>)) {
      const files = typeof target === 'string' ? [target] : [target.types, target.default];
      for (const f of files) expect({ sub, shipped: packed.includes(path.posix.normalize(f)) }).toEqual({ sub, shipped: true });
    }
  });
});

describe('the public API', () => {
  it('matches the committed API reports in etc/ (npm run api:update rewrites them)', () => {
    const r = run(process.execPath, [path.join(ROOT, 'etc/api-report.cjs')], ROOT);
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
