/** The browser bundle: the demo page builds, and the build fails on any Node built-in in the graph. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildPage } from '../../web/build';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const ROOT = path.resolve(__dirname, '../..');
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-webbuild-'))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** Builds a page whose script imports `imports` with the ferMmBrowser plugin; resolves to Vite's output or rejects with it. */
async function buildProbe(name: string, imports: string[]): Promise<string> {
  const root = path.join(dir, name);
  fs.mkdirSync(root);
  fs.writeFileSync(path.join(root, 'index.html'), '<script type="module" src="./main.ts"></script>');
  fs.writeFileSync(path.join(root, 'main.ts'), imports.map((i) => `import * as m${imports.indexOf(i)} from ${JSON.stringify(i)};\nconsole.log(m${imports.indexOf(i)});`).join('\n'));
  fs.writeFileSync(
    path.join(root, 'vite.config.ts'),
    `import { ferMmBrowser } from ${JSON.stringify(path.join(ROOT, 'src/browser/vite.ts'))};\nexport default { root: ${JSON.stringify(root)}, plugins: [ferMmBrowser()], logLevel: 'warn' };\n`,
  );
  try {
    const r = await promisify(execFile)(path.join(ROOT, 'node_modules/.bin/vite'), ['build', root], { cwd: ROOT, env: { ...process.env, VITE_CONFIG_NATIVE_IGNORE_WARNING: 'true' } });
    return r.stdout + r.stderr;
  } catch (e) {
    const { stdout, stderr } = e as { stdout: string; stderr: string };
    throw new Error(stdout + stderr);
  }
}

describe('browser build', () => {
  it('builds the demo page; fer-mm resolves to the Node-free SDK and the pretrained-file reader is swapped for the browser stand-in', async () => {
    const out = await buildPage(path.join(dir, 'page'));
    const js = fs.readdirSync(path.join(out, 'assets')).filter((f) => f.endsWith('.js'));
    const code = js.map((f) => fs.readFileSync(path.join(out, 'assets', f), 'utf8')).join('\n');
    expect(code).toContain('pretrained files cannot be read in a browser');
    expect(fs.readdirSync(path.join(out, 'assets')).some((f) => f.endsWith('.wasm'))).toBe(true);
  }, 120000);

  it('both shipped model packages bundle for the browser (their pretrained-file reading swapped out)', async () => {
    const out = await buildProbe('plugins', [path.join(ROOT, 'plugins/apvit/index.ts'), path.join(ROOT, 'plugins/transfer/index.ts'), path.join(ROOT, 'src/browser/index.ts')]);
    expect(out).not.toMatch(/Node built-in/);
  }, 120000);

  it('the page and the browser entry type-check with the DOM library (web/tsconfig.json)', async () => {
    await expect(promisify(execFile)(path.join(ROOT, 'node_modules/.bin/tsc'), ['--noEmit', '-p', path.join(ROOT, 'web/tsconfig.json')], { cwd: ROOT })).resolves.toBeDefined();
  }, 180000);

  it.each([
    ['node:fs', ['node:fs']],
    ['path', ['path']],
    ['worker_threads', ['worker_threads']],
    ['fs', [path.join(ROOT, 'src/checkpoint/load.ts')]],
  ])('fails when the graph imports %s', async (builtin, imports) => {
    await expect(buildProbe(`probe-${builtin.replace(/\W/g, '_')}-${imports.length}${imports[0].length}`, imports)).rejects.toThrow(
      new RegExp(`Node built-in '${builtin}' imported by`),
    );
  }, 120000);
});
