import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { buildOptimizer, decideParams, groupDecisions, planParamGroups, sortCustomKeys, looksLikeNormModule, type ParamInfo } from '../../src/optim';

const p = (name: string, shape: number[] = [4, 4]): ParamInfo => ({ name, shape });
const byName = (ds: ReturnType<typeof decideParams>) => Object.fromEntries(ds.map((d) => [d.name, d]));

describe('paramwise_cfg (mmcv DefaultOptimizerConstructor)', () => {
  it('APViT custom_keys with a leading dot match nothing: every parameter keeps wd 5e-4 (spec section 8)', () => {
    const names = ['vit.cls_token', 'vit.patch_pos_embed', 'vit.pos_embed', 'vit.blocks.0.norm1.weight', 'vit.head.bias', 'extractor.body.0.res_layer.1.weight'];
    const customKeys = Object.fromEntries(
      ['.vit.pos_embed', '.vit.patch_pos_embed_1', '.vit.patch_pos_embed', '.vit.cls_pos_embed', '.vit.cls_token'].map((k) => [k, { decay_mult: 0 }]),
    );
    const ds = decideParams(names.map((n) => p(n)), 1e-3, 5e-4, { custom_keys: customKeys });
    for (const d of ds) {
      expect(d.weightDecay).toBe(5e-4);
      expect(d.lr).toBe(1e-3);
      expect(d.rules).toEqual(['default']);
    }
    // The same keys without the dot would have matched.
    const fixed = byName(decideParams(names.map((n) => p(n)), 1e-3, 5e-4, { custom_keys: { 'vit.cls_token': { decay_mult: 0 } } }));
    expect(fixed['vit.cls_token'].weightDecay).toBe(0);
    expect(fixed['vit.pos_embed'].weightDecay).toBe(5e-4);
  });

  it('a root-level parameter is seen as ".name" (mmcv prefix quirk)', () => {
    const d = byName(decideParams([p('cls_token'), p('vit_cls_token'), p('vit.cls_token')], 0.1, 0.01, { custom_keys: { '.cls_token': { decay_mult: 0 } } }));
    expect(d['cls_token'].weightDecay).toBe(0); // tested as '.cls_token'
    expect(d['vit_cls_token'].weightDecay).toBe(0.01); // '.vit_cls_token' does not contain '.cls_token'
    expect(d['vit.cls_token'].weightDecay).toBe(0); // plain substring match
  });

  it('the longest matching key wins, alphabetical among equal lengths', () => {
    expect(sortCustomKeys(['b', 'abd', 'abc', 'pos_embed', 'x'])).toEqual(['pos_embed', 'abc', 'abd', 'b', 'x']);
    const d = byName(
      decideParams([p('backbone.pos_embed'), p('neck.pos_embed'), p('m.abc.abd.w')], 0.1, 0.01, {
        custom_keys: {
          pos_embed: { decay_mult: 0 },
          'backbone.pos_embed': { lr_mult: 2 },
          abd: { lr_mult: 3 },
          abc: { lr_mult: 5, decay_mult: 0.5 },
        },
      }),
    );
    expect(d['backbone.pos_embed']).toMatchObject({ lr: 0.2, weightDecay: 0.01, rules: ['custom_keys:backbone.pos_embed'] });
    expect(d['neck.pos_embed']).toMatchObject({ lr: 0.1, weightDecay: 0, rules: ['custom_keys:pos_embed'] });
    expect(d['m.abc.abd.w']).toMatchObject({ lr: 0.5, weightDecay: 0.005, rules: ['custom_keys:abc'] });
  });

  it('bias / norm / dwconv / flat rules, and custom keys skip them', () => {
    const params = [
      p('conv.weight', [8, 3, 3, 3]),
      p('conv.bias', [8]),
      p('bn.weight', [8]),
      p('bn.bias', [8]),
      p('dw.weight', [8, 1, 3, 3]),
      p('dw.bias', [8]),
      p('scale', [8]),
      p('head.fc.bias', [2]),
    ];
    const moduleTypes = new Map([
      ['conv.weight', 'conv'],
      ['conv.bias', 'conv'],
      ['bn.weight', 'norm'],
      ['bn.bias', 'norm'],
      ['dw.weight', 'dwconv'],
      ['dw.bias', 'dwconv'],
      ['head.fc.bias', 'linear'],
    ]);
    const cfg = {
      bias_lr_mult: 2,
      bias_decay_mult: 0.5,
      norm_decay_mult: 0,
      dwconv_decay_mult: 0.25,
      flat_decay_mult: 0.1,
      custom_keys: { 'head.fc': { lr_mult: 10 } },
    };
    const d = byName(decideParams(params, 0.1, 0.01, cfg, moduleTypes));
    expect(d['conv.weight']).toMatchObject({ lr: 0.1, weightDecay: 0.01 });
    expect(d['conv.bias']).toMatchObject({ lr: 0.2, weightDecay: 0.005 });
    expect(d['bn.weight']).toMatchObject({ lr: 0.1, weightDecay: 0 });
    expect(d['bn.bias']).toMatchObject({ lr: 0.1, weightDecay: 0 }); // norm bias: no bias_lr_mult, norm rule first
    expect(d['dw.weight']).toMatchObject({ lr: 0.1, weightDecay: 0.0025 });
    expect(d['dw.bias'].lr).toBeCloseTo(0.2, 12); // bias lr applies; decay: dwconv rule comes before bias
    expect(d['dw.bias'].weightDecay).toBeCloseTo(0.0025, 12);
    expect(d['scale']).toMatchObject({ lr: 0.1, weightDecay: 0.001, rules: ['flat'] });
    expect(d['head.fc.bias']).toMatchObject({ lr: 1, weightDecay: 0.01, rules: ['custom_keys:head.fc'] });
  });

  it('without moduleTypes, norm layers are inferred from module names', () => {
    for (const n of ['bn', 'bn1', 'norm', 'norm1', 'ln', 'gn', 'pre_norm', 'backbone.layer1.0.bn2', 'vit.blocks.3.norm2', 'layernorm']) expect(looksLikeNormModule(n)).toBe(true);
    for (const n of ['conv1', 'normalize', 'fc', 'body.0.res_layer.1', 'bnx', '']) expect(looksLikeNormModule(n)).toBe(false);
    const d = byName(decideParams([p('a.bn1.weight', [4]), p('a.conv1.weight')], 0.1, 0.01, { norm_decay_mult: 0 }));
    expect(d['a.bn1.weight'].weightDecay).toBe(0);
    expect(d['a.conv1.weight'].weightDecay).toBe(0.01);
  });

  it('validates like mmcv and names the key', () => {
    expect(() => decideParams([p('a.w')], 0.1, undefined, { custom_keys: { w: { decay_mult: 0 } } })).toThrow(/custom_keys\['w'\]\.decay_mult needs optimizer\.weight_decay/);
    expect(() => decideParams([p('a.w')], 0.1, undefined, { norm_decay_mult: 0 })).toThrow(/norm_decay_mult needs optimizer\.weight_decay/);
    expect(() => decideParams([p('a.w')], 0.1, 0.1, { bias_decay: 0 } as never)).toThrow(/paramwise_cfg\.bias_decay: unknown key/);
    expect(() => decideParams([p('a.w')], 0.1, 0.1, { custom_keys: { w: { decay: 0 } } } as never)).toThrow(/custom_keys\['w'\]\.decay: unknown key/);
    expect(() => decideParams([p('a.w')], 0.1, 0.1, { custom_keys: ['w'] } as never)).toThrow(/custom_keys must be an object/);
    // Without weight_decay, lr rules still work and groups keep the optimizer default.
    const d = decideParams([p('a.bias', [2])], 0.1, undefined, { bias_lr_mult: 0.5 });
    expect(d[0]).toMatchObject({ lr: 0.05, weightDecay: undefined });
  });

  it('merges equal settings into groups in order of first appearance', () => {
    const ds = decideParams([p('a.weight'), p('a.bias', [4]), p('b.weight'), p('b.bias', [4])], 0.1, 0.01, { bias_decay_mult: 0 });
    expect(groupDecisions(ds)).toEqual([
      { names: ['a.weight', 'b.weight'], lr: 0.1, weightDecay: 0.01 },
      { names: ['a.bias', 'b.bias'], lr: 0.1, weightDecay: 0 },
    ]);
  });

  it('no paramwise_cfg: one group (mmcv passes model.parameters())', () => {
    const plan = planParamGroups([['a.w', { shape: [2] }], ['b.w', { shape: [2] }]], { type: 'SGD', lr: 0.1 });
    expect(plan.groups).toEqual([{ names: ['a.w', 'b.w'] }]);
  });

  it('buildOptimizer wires groups; AdamW groups without weight_decay keep the torch default 0.01', async () => {
    await initBackend('cpu');
    const vars: Array<[string, tf.Variable]> = [
      ['a.weight', tf.variable(tf.ones([2, 2]))],
      ['a.bias', tf.variable(tf.ones([2]))],
    ];
    const opt = buildOptimizer(vars, { type: 'AdamW', lr: 0.01, paramwise_cfg: { bias_lr_mult: 2 } });
    expect(opt.paramGroups.map((g) => [g.names, g.lr, g.initialLr, g.weightDecay])).toEqual([
      [['a.weight'], 0.01, 0.01, 0.01],
      [['a.bias'], 0.02, 0.02, 0.01],
    ]);
    expect(() => buildOptimizer(vars, { type: 'SGD', lr: 0.1, constructor: 'LayerDecayOptimizerConstructor' })).toThrow(/optimizer\.constructor/);
    opt.dispose();
    vars.forEach(([, v]) => v.dispose());
  });
});
