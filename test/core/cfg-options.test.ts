import { applyCfgOptions, parseCfgOptions, parseValue, CfgOptionsError } from '../../src/config/cfg-options';

describe('--cfg-options values', () => {
  it.each([
    ['1', 1],
    ['-2.5e-3', -2.5e-3],
    ['.5', 0.5],
    ['true', true],
    ['False', false],
    ['null', null],
    ['None', null],
    ['none', 'none'], // mmcv: only None is None (average_mode=none is a string)
    ['abc', 'abc'],
    ['"quoted 1"', 'quoted 1'],
    ["'single'", 'single'],
    ['"7"', '7'],
    ['[1, 2, 3]', [1, 2, 3]],
    ['[a, b]', ['a', 'b']],
    ['(1, 2)', [1, 2]],
    ['(x,)', ['x']],
    ['[]', []],
    ['[[1, 2], [3, "x, y"]]', [[1, 2], [3, 'x, y']]],
    ['{"a": 1, "b": [true]}', { a: 1, b: [true] }],
    ['{a: 1, b: [x, 2], c: {d: null}}', { a: 1, b: ['x', 2], c: { d: null } }],
    ['  spaced  ', 'spaced'],
    ['data/train', 'data/train'],
    ['1.2.3', '1.2.3'],
  ])('%s', (raw, expected) => {
    expect(parseValue(raw)).toEqual(expected);
  });

  it('rejects unbalanced brackets', () => {
    expect(() => parseCfgOptions(['a=[1, 2'])).toThrow(/--cfg-options a=\[1, 2: unbalanced brackets/);
  });
});

describe('--cfg-options tokens', () => {
  it('splits key=value on the first =, trims whitespace, joins shell-split values', () => {
    expect(parseCfgOptions(['a.b=1', ' c . d = x=y ', 'e=[1,', '2]', 'f={a:', '1}'])).toEqual([
      { key: 'a.b', value: 1 },
      { key: 'c.d', value: 'x=y' },
      { key: 'e', value: [1, 2] },
      { key: 'f', value: { a: 1 } },
    ]);
  });

  it('rejects tokens without a key', () => {
    expect(() => parseCfgOptions(['=1'])).toThrow(/empty key/);
    expect(() => parseCfgOptions(['a..b=1'])).toThrow(/empty path segment/);
    expect(() => parseCfgOptions(['novalue'])).toThrow(/'novalue' is not of the form key=value/);
  });
});

describe('applying --cfg-options', () => {
  const cfg = () => ({
    model: { backbone: { depth: 12, out: [1, 2] }, head: { num_classes: 7 } },
    data: { train: { pipeline: [{ type: 'Load' }, { type: 'Flip', flip_prob: 0.5 }] } },
    optimizer: { lr: 0.1 },
    grad_clip: null,
  });

  it('overrides dotted paths including list indices, without touching the input', () => {
    const input = cfg();
    const out = applyCfgOptions(
      input,
      parseCfgOptions([
        'model.backbone.depth=4',
        'data.train.pipeline.1.flip_prob=0.0',
        'data.train.pipeline.0={type: Load2}',
        'model.backbone.out=[3]',
        'optimizer.lr = 1e-3',
        'new.deep.key="s"',
      ]),
    );
    expect(out).toEqual({
      model: { backbone: { depth: 4, out: [3] }, head: { num_classes: 7 } },
      // a dict value merges into the list item (MMCV merge_from_dict)
      data: { train: { pipeline: [{ type: 'Load2' }, { type: 'Flip', flip_prob: 0 }] } },
      optimizer: { lr: 1e-3 },
      grad_clip: null,
      new: { deep: { key: 's' } },
    });
    expect(input).toEqual(cfg());
  });

  it('a dict value merges into an existing dict; _delete_ replaces it', () => {
    expect(applyCfgOptions(cfg(), parseCfgOptions(['model.head={in_channels: 8}'])).model).toEqual({
      backbone: { depth: 12, out: [1, 2] },
      head: { num_classes: 7, in_channels: 8 },
    });
    expect((applyCfgOptions(cfg(), parseCfgOptions(['model.head={_delete_: true, x: 1}'])).model as { head: unknown }).head).toEqual({ x: 1 });
    expect(applyCfgOptions(cfg(), parseCfgOptions(['grad_clip.max_norm=5'])).grad_clip).toEqual({ max_norm: 5 });
  });

  it('explains bad paths', () => {
    expect(() => applyCfgOptions(cfg(), parseCfgOptions(['data.train.pipeline.5.x=1']))).toThrow(
      /--cfg-options data\.train\.pipeline\.5\.x: index 5 is out of range \(data\.train\.pipeline has 2 items\)/,
    );
    expect(() => applyCfgOptions(cfg(), parseCfgOptions(['data.train.pipeline.first.x=1']))).toThrow(/is a list; 'first' is not an index/);
    expect(() => applyCfgOptions(cfg(), parseCfgOptions(['model.backbone.depth.x=1']))).toThrow(
      /model\.backbone\.depth is 12, not a dict or list, so it has no 'x'/,
    );
    expect(() => applyCfgOptions(cfg(), parseCfgOptions(['model.backbone.out.2=1']))).toThrow(CfgOptionsError);
  });
});
