import fs from 'fs';
import os from 'os';
import path from 'path';
import { mergeConfig, unionOfBases, ConfigMergeError, cleanCopy, replaceAt, mergeListBy } from '../../src/config/merge';
import { resolveConfigFile, readConfigModule, readBase, ConfigLoadError } from '../../src/config/loader';
import { loadConfig, Config } from '../../src/config/config';
import { dumpConfig } from '../../src/config/dump';

const FIX = path.join(__dirname, 'fixtures', 'configs');
const fx = (name: string) => path.join(FIX, name);

describe('merge rules (unit)', () => {
  it('merges dicts recursively; child keys win; inputs untouched', () => {
    const base = { a: { b: 1, c: { d: 2, e: 3 } }, f: 'x' };
    const child = { a: { c: { d: 20 } }, g: true };
    const out = mergeConfig(base, child);
    expect(out).toEqual({ a: { b: 1, c: { d: 20, e: 3 } }, f: 'x', g: true });
    expect(base).toEqual({ a: { b: 1, c: { d: 2, e: 3 } }, f: 'x' });
    expect(child).toEqual({ a: { c: { d: 20 } }, g: true });
  });

  it('replaces lists and scalars wholesale', () => {
    const out = mergeConfig({ l: [1, 2, 3], s: 'a', n: 1, p: [{ type: 'A', x: 1 }] }, { l: [9], s: 'b', n: null, p: [{ type: 'B' }] });
    expect(out).toEqual({ l: [9], s: 'b', n: null, p: [{ type: 'B' }] });
  });

  it('_delete_: true drops the base keys and never survives', () => {
    const out = mergeConfig({ h: { type: 'A', x: 1, y: 2 } }, { h: { _delete_: true, type: 'B', z: 3 } });
    expect(out).toEqual({ h: { type: 'B', z: 3 } });
    // where there is no base value, _delete_ is still dropped (it must never reach a constructor)
    const fresh = mergeConfig({}, { k: { _delete_: true, v: { _delete_: true, w: 1 } } });
    expect(fresh).toEqual({ k: { v: { w: 1 } } });
    expect(JSON.stringify(fresh)).not.toContain('_delete_');
  });

  it('a child dict over a non-dict base value is an error suggesting _delete_', () => {
    expect(() => mergeConfig({ a: { b: 5 } }, { a: { b: { c: 1 } } }, { childFile: 'child.ts', baseFile: 'base.ts' })).toThrow(
      /a\.b: cannot merge in child\.ts: it is a dict in the child config but a number in base\.ts; set _delete_: true/,
    );
    expect(() => mergeConfig({ a: [1] }, { a: { x: 1 } })).toThrow(ConfigMergeError);
    // with _delete_ the replacement is allowed
    expect(mergeConfig({ a: [1] }, { a: { _delete_: true, x: 1 } })).toEqual({ a: { x: 1 } });
    // a null base ("not set") is simply replaced
    expect(mergeConfig({ g: null }, { g: { max_norm: 1 } })).toEqual({ g: { max_norm: 1 } });
  });

  it('sibling bases may not share a top-level key; the error names both files', () => {
    expect(() =>
      unionOfBases([
        { file: 'a.ts', cfg: { model: {}, x: 1 } },
        { file: 'b.ts', cfg: { data: {} } },
        { file: 'c.ts', cfg: { model: { type: 'M' } } },
      ]),
    ).toThrow(/duplicate key 'model' among bases: it is defined by both a\.ts and c\.ts/);
    const u = unionOfBases([
      { file: 'a.ts', cfg: { model: 1 } },
      { file: 'b.ts', cfg: { data: 2 } },
    ]);
    expect(u.cfg).toEqual({ model: 1, data: 2 });
    expect(u.origin.get('data')).toBe('b.ts');
  });

  it('cleanCopy drops undefined values', () => {
    expect(cleanCopy({ a: undefined, b: [1, { c: undefined }] })).toEqual({ b: [1, {}] });
  });
});

describe('config files', () => {
  it('loads .ts, .json and .js configs; the default export is a plain object', () => {
    expect(readConfigModule(fx('_base_/model.ts')).model).toMatchObject({ type: 'coretest.TinyClassifier' });
    expect(readConfigModule(fx('_base_/data.json')).data).toMatchObject({ samples_per_gpu: 8 });
    expect(readConfigModule(fx('_base_/runtime.js')).runner).toEqual({ type: 'EpochBasedRunner', max_epochs: 90 });
  });

  it('resolves a three-level _base_ chain with _delete_ exactly by the rules', () => {
    const { cfg, files } = resolveConfigFile(fx('level3.ts'));
    expect(files.map((f) => path.relative(FIX, f))).toEqual([
      '_base_/model.ts',
      '_base_/data.json',
      '_base_/runtime.js',
      'level1.ts',
      'level2.ts',
      'level3.ts',
    ]);
    expect(cfg.model).toEqual({
      type: 'coretest.TinyClassifier',
      // level1 depth 4 merged into the base dict; level3 replaced the stages list
      backbone: { type: 'coretest.TinyNet', depth: 4, width: 1.5, stages: [4] },
      // level3's _delete_ dropped in_channels and loss
      head: { type: 'coretest.TinyHead', num_classes: 3 },
    });
    const data = cfg.data as Record<string, unknown>;
    expect(data.samples_per_gpu).toBe(16);
    expect(data.workers_per_gpu).toBe(2);
    // level2's _delete_ replaced train wholesale: no ann_file from the base
    expect(data.train).toEqual({ type: 'coretest.TinyDataset', data_prefix: 'data/other', pipeline: [{ type: 'LoadImageFromFile' }] });
    expect(data.val).toMatchObject({ data_prefix: 'data/val' });
    expect(cfg.lr_config).toEqual({ policy: 'step', step: [10] });
    expect(cfg.runner).toEqual({ type: 'EpochBasedRunner', max_epochs: 5 });
    expect(JSON.stringify(cfg)).not.toContain('_delete_');
    expect('_base_' in cfg).toBe(false);
    // relative custom_imports are anchored to the file that wrote them
    expect((cfg.custom_imports as { imports: string[] }).imports).toEqual([path.join(__dirname, 'fixtures', 'plugins', 'core-test-plugin.ts')]);
  });

  it('a key defined by two sibling bases is an error naming both files', () => {
    expect(() => resolveConfigFile(fx('dup-bases.ts'))).toThrow(
      new RegExp(`duplicate key 'model' among bases: it is defined by both .*_base_/model\\.ts and .*_base_/model-copy\\.ts`),
    );
  });

  it('a child dict over a base list names the files and suggests _delete_', () => {
    let err: ConfigLoadError | undefined;
    try {
      resolveConfigFile(fx('dict-over-scalar.ts'));
    } catch (e) {
      err = e as ConfigLoadError;
    }
    expect(err).toBeInstanceOf(ConfigLoadError);
    expect(err!.configPath).toBe('lr_config.step');
    expect(err!.message).toMatch(/dict-over-scalar\.ts: it is a dict in the child config but a list in .*level1\.ts; set _delete_: true/);
  });

  it('detects _base_ cycles and missing bases', () => {
    expect(() => resolveConfigFile(fx('cycle-a.ts'))).toThrow(/circular _base_: .*cycle-a\.ts -> .*cycle-b\.ts -> .*cycle-a\.ts/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-cfg-'));
    fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ _base_: './nope.ts', a: 1 }));
    expect(() => resolveConfigFile(path.join(dir, 'c.json'))).toThrow(/c\.json: _base_ '\.\/nope\.ts' not found/);
    fs.writeFileSync(path.join(dir, 'arr.json'), '[1, 2]');
    expect(() => resolveConfigFile(path.join(dir, 'arr.json'))).toThrow(/arr\.json: the config's default export must be a plain object/);
    fs.writeFileSync(path.join(dir, 'bad.json'), '{ "a": ');
    expect(() => resolveConfigFile(path.join(dir, 'bad.json'))).toThrow(/failed to load config .*bad\.json/);
    expect(() => resolveConfigFile(path.join(dir, 'missing.ts'))).toThrow(/config file not found: .*missing\.ts/);
    fs.writeFileSync(path.join(dir, 'x.yaml'), 'a: 1');
    expect(() => resolveConfigFile(path.join(dir, 'x.yaml'))).toThrow(/unsupported config extension '\.yaml'/);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keys starting with _ are reserved and removed after loading', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-cfg-'));
    fs.writeFileSync(path.join(dir, 'c.json'), JSON.stringify({ _note_: 'x', a: { _keep: 1 } }));
    expect(resolveConfigFile(path.join(dir, 'c.json')).cfg).toEqual({ a: { _keep: 1 } });
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a config can read its bases' resolved values (readBase)", () => {
    const { cfg } = resolveConfigFile(fx('read-base.ts'));
    const val = (cfg.data as { val: { pipeline: unknown[] } }).val;
    expect(val.pipeline).toEqual([{ type: 'LoadImageFromFile' }, { type: 'RandomFlip', flip_prob: 0.5 }, { type: 'Normalize' }, { type: 'Collect', keys: ['img'] }]);
    expect(readBase(FIX, 'level1.ts').model).toMatchObject({ backbone: { depth: 4 } });
    expect(() => readBase('relative/x.ts')).toThrow(/readBase: start with an absolute directory/);
  });

  it('Config keeps the filename, the source text, and dumps JSON and TS that load back identically', () => {
    const cfg = loadConfig(fx('level3.ts'), { importCustomModules: false, cfgOptions: ['model.head.num_classes=5'] });
    expect(cfg.filename).toBe(fx('level3.ts'));
    expect(cfg.text).toContain('// ' + fx('level2.ts'));
    expect(cfg.text).toContain("_base_: './level2.ts'");
    expect(cfg.get('model.head.num_classes')).toBe(5);
    expect(cfg.get('data.train.pipeline.0.type')).toBe('LoadImageFromFile');
    expect(JSON.parse(cfg.prettyText)).toEqual(cfg.cfg);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-dump-'));
    const tsFile = path.join(dir, 'dumped.ts');
    fs.writeFileSync(tsFile, cfg.dump('ts'));
    expect(fs.readFileSync(tsFile, 'utf8')).toMatch(/^\/\/ Resolved config of .*level3\.ts/);
    expect(resolveConfigFile(tsFile).cfg).toEqual(cfg.cfg);
    const jsonFile = path.join(dir, 'dumped.json');
    fs.writeFileSync(jsonFile, dumpConfig(cfg.cfg));
    expect(resolveConfigFile(jsonFile).cfg).toEqual(cfg.cfg);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(new Config({ a: 1 }).toObject()).toEqual({ a: 1 });
  });

  it('dumps odd keys and strings so they load back', () => {
    const data = { 'a-b': "it's", nested: { list: [1, 'two', null, { x: 'y\nz' }], empty: {}, none: [] } };
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-dump-'));
    const f = path.join(dir, 'odd.ts');
    fs.writeFileSync(f, dumpConfig(data, 'ts'));
    expect(resolveConfigFile(f).cfg).toEqual(data);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('list helpers', () => {
  const pipeline = [{ type: 'Load' }, { type: 'Flip', flip_prob: 0.5 }, { type: 'Normalize', mean: [1, 2, 3] }];

  it('replaceAt merges one item and copies the rest', () => {
    const out = replaceAt(pipeline, 1, { flip_prob: 0 });
    expect(out).toEqual([{ type: 'Load' }, { type: 'Flip', flip_prob: 0 }, { type: 'Normalize', mean: [1, 2, 3] }]);
    expect(pipeline[1]).toEqual({ type: 'Flip', flip_prob: 0.5 });
    expect(out[2]).not.toBe(pipeline[2]);
    expect(() => replaceAt(pipeline, 3, {})).toThrow(/index 3 is out of range \(the list has 3 items\)/);
  });

  it('mergeListBy merges by key, deletes with _delete_, appends the rest', () => {
    const out = mergeListBy(pipeline, [
      { type: 'Flip', flip_prob: 0 },
      { type: 'Load', _delete_: true },
      { type: 'Collect', keys: ['img'] },
      { type: 'Normalize', _delete_: true, std: [1] },
    ]);
    expect(out).toEqual([{ type: 'Flip', flip_prob: 0 }, { type: 'Normalize', std: [1] }, { type: 'Collect', keys: ['img'] }]);
    expect(mergeListBy(pipeline, [{ type: 'Normalize', std: [1] }])[2]).toEqual({ type: 'Normalize', mean: [1, 2, 3], std: [1] });
    expect(() => mergeListBy(pipeline, [{ type: 'Nope', _delete_: true }])).toThrow(/no item with type "Nope" to delete/);
    expect(() => mergeListBy(pipeline, [{ flip_prob: 1 }])).toThrow(/has no 'type'/);
  });
});
