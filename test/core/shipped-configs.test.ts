import * as fs from 'fs';
import * as path from 'path';
import { loadConfig } from '../../src/config';
import '../../src/data';
import '../../src/optim';
import '../../src/lr';
import '../../src/hooks';

const REPO = path.resolve(__dirname, '../..');
const CONFIG_DIR = path.join(REPO, 'configs');

/**
 * Every leaf config shipped under configs/ (bases under _base_/ are fragments);
 * configs/apvit and configs/transfer are links to the model packages' configs.
 */
function leafConfigs(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (fs.statSync(p).isDirectory()) return e.name === '_base_' ? [] : leafConfigs(p);
    return /\.(ts|js|json)$/.test(e.name) ? [p] : [];
  });
}

describe('shipped configs', () => {
  const files = leafConfigs(CONFIG_DIR);
  it('covers the APViT and TransFER configs', () => {
    const rel = files.map((f) => path.relative(REPO, f)).sort();
    expect(rel).toEqual(expect.arrayContaining(['configs/apvit/RAF.ts', 'configs/apvit/demo.ts', 'configs/transfer/RAF.ts', 'configs/transfer/demo.ts']));
  });
  it.each(files.map((f) => [path.relative(REPO, f), f]))('%s resolves and validates with no problems', (_rel, file) => {
    const config = loadConfig(file);
    expect(config.problems()).toEqual([]);
  });
});
