/** `__proto__`, `constructor` and `prototype` keys are refused everywhere a config is built, naming the key. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { applyCfgOptions, parseCfgOptions } from '../../src/config/cfg-options';
import { mergeConfig } from '../../src/config/merge';
import { resolveConfigFile } from '../../src/config/loader';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'cfg-proto-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
afterEach(() => {
  // a failure here means a test polluted every object in the process
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

describe('prototype keys in configs', () => {
  it.each(['__proto__.polluted=1', 'model.__proto__.polluted=1', 'a.constructor.prototype.polluted=1', 'prototype=1'])('--cfg-options %s', (tok) => {
    expect(() => parseCfgOptions([tok])).toThrow(/--cfg-options .*the key '(__proto__|constructor|prototype)' is not allowed/);
  });

  it('dict values of --cfg-options are checked too (JSON and relaxed syntax)', () => {
    expect(() => parseCfgOptions(['model={"__proto__": {"polluted": 1}}'])).toThrow(/--cfg-options model: model\.__proto__: the key '__proto__' is not allowed/);
    expect(() => parseCfgOptions(['model={__proto__: {polluted: 1}}'])).toThrow(/the key '__proto__' is not allowed/);
    expect(() => parseCfgOptions(['model=[{constructor: 1}]'])).toThrow(/the key 'constructor' is not allowed/);
  });

  it('merging refuses the keys even when the caller bypasses the parser', () => {
    const child = JSON.parse('{"a": {"__proto__": {"polluted": 1}}}') as Record<string, unknown>;
    expect(() => mergeConfig({ a: { b: 1 } }, child)).toThrow(/a\.__proto__: the key '__proto__' is not allowed/);
    expect(() => applyCfgOptions({ a: {} }, [{ key: 'a', value: JSON.parse('{"constructor": {"x": 1}}') }])).toThrow(/constructor/);
  });

  it('a .json config with a nested __proto__ key fails naming the file and the key path', () => {
    const f = path.join(tmp, 'evil.json');
    fs.writeFileSync(f, '{"model": {"type": "X", "head": {"__proto__": {"polluted": 1}}}}');
    expect(() => resolveConfigFile(f)).toThrow(/evil\.json: model\.head\.__proto__: the key '__proto__' is not allowed/);
  });

  it('ordinary keys still merge', () => {
    expect(applyCfgOptions({ a: { b: 1 } }, parseCfgOptions(['a.c=2', 'proto=3']))).toEqual({ a: { b: 1, c: 2 }, proto: 3 });
  });
});
