/**
 * A plugin's `fer-mm` is the framework that loads it (src/plugin-loader/framework-alias.ts).
 * End to end: test/tools/export.test.ts runs a tool from a temporary folder whose config
 * loads plugins/apvit by path; its `import ... from 'fer-mm'` resolves only through this.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Worker } from 'worker_threads';
import { frameworkRequest } from '../../src/plugin-loader/framework-alias';

const SRC = path.resolve(__dirname, '../../src');
const REPO = path.resolve(SRC, '..');

describe('framework alias for plugins', () => {
  it('maps fer-mm and fer-mm/<entry> to the running framework', () => {
    expect(frameworkRequest('fer-mm')).toBe(path.join(SRC, 'index'));
    expect(frameworkRequest('fer-mm/runner')).toBe(path.join(SRC, 'runner', 'index'));
  });

  it('maps fer-mm/configs/... to the config files of the running framework', () => {
    expect(frameworkRequest('fer-mm/configs/_base_/datasets/RAF')).toBe(path.join(REPO, 'configs/_base_/datasets/RAF'));
  });

  it('leaves other names and files inside the package to node', () => {
    for (const name of ['fer-mm/package.json', 'fer-mmx', '@fer-mm/apvit', 'fer-mm/src/index', 'fer-mm/../x']) {
      expect({ name, mapped: frameworkRequest(name) }).toEqual({ name, mapped: undefined });
    }
  });
});

describe('a data-loader worker', () => {
  let dir: string;
  beforeAll(() => {
    // a plugin folder whose own node_modules holds another fer-mm (as after `npm install ../fer-mm`)
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'alias-worker-'));
    fs.mkdirSync(path.join(dir, 'node_modules/fer-mm'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'node_modules/fer-mm/package.json'), JSON.stringify({ name: 'fer-mm', version: '0.0.0', main: 'index.js' }));
    fs.writeFileSync(path.join(dir, 'node_modules/fer-mm/index.js'), "throw new Error('a second copy of fer-mm was loaded');\n");
    fs.writeFileSync(
      path.join(dir, 'plugin.js'),
      "const { TRANSFORMS } = require('fer-mm');\nTRANSFORMS.child('aliasprobe').registerModule(class Probe {}, { name: 'Probe' });\n",
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("imports a config's plugins with their fer-mm mapped to the running framework", async () => {
    // run from the plugin's folder: in the repository's, tsx would map fer-mm through tsconfig.json's paths anyway
    const cwd = process.cwd();
    process.chdir(dir);
    let msg: { type: string; error?: string };
    try {
      const worker = new Worker(path.join(SRC, 'data/worker-entry.js'), {
        workerData: { datasetCfg: { type: 'NoSuchDataset' }, imports: [path.join(dir, 'plugin.js')] },
      });
      msg = await new Promise<{ type: string; error?: string }>((resolve, reject) => {
        worker.once('message', resolve);
        worker.once('error', reject);
      });
      await worker.terminate();
    } finally {
      process.chdir(cwd);
    }
    // the plugin loaded (no second copy); the dataset type is what fails
    expect(msg.type).toBe('fatal');
    expect(msg.error).not.toMatch(/second copy/);
    expect(msg.error).toMatch(/'NoSuchDataset' is not registered in the datasets registry/);
  }, 120_000);
});
