/**
 * A plugin's `fer-mm` is the framework that loads it (src/plugin-loader/framework-alias.ts).
 * End to end: test/tools/export.test.ts runs a tool from a temporary folder whose config
 * loads plugins/apvit by path; its `import ... from 'fer-mm'` resolves only through this.
 */
import path from 'path';
import { frameworkRequest } from '../../src/plugin-loader/framework-alias';

const SRC = path.resolve(__dirname, '../../src');

describe('framework alias for plugins', () => {
  it('maps fer-mm and fer-mm/<entry> to the running framework', () => {
    expect(frameworkRequest('fer-mm')).toBe(path.join(SRC, 'index'));
    expect(frameworkRequest('fer-mm/runner')).toBe(path.join(SRC, 'runner', 'index'));
  });

  it('leaves other names and files inside the package to node', () => {
    for (const name of ['fer-mm/package.json', 'fer-mmx', '@fer-mm/apvit', 'fer-mm/src/index', 'fer-mm/../x']) {
      expect({ name, mapped: frameworkRequest(name) }).toEqual({ name, mapped: undefined });
    }
  });
});
