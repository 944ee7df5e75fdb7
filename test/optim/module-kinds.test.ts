import { moduleKindsOf, defaultModuleKind, decideParams } from '../../src/optim';

// Minimal torch-like modules (structural), so the test does not depend on src/nn.
class Fake {
  children: Array<[string, Fake]> = [];
  params: string[] = [];
  constructor(init: Partial<Fake> & Record<string, unknown> = {}) {
    Object.assign(this, init);
  }
  namedModules(prefix = ''): Array<[string, unknown]> {
    const out: Array<[string, unknown]> = [[prefix, this]];
    for (const [n, c] of this.children) out.push(...c.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }
  namedParameters(prefix = ''): Array<[string, unknown]> {
    const out: Array<[string, unknown]> = this.params.map((p) => [prefix ? `${prefix}.${p}` : p, null]);
    for (const [n, c] of this.children) out.push(...c.namedParameters(prefix ? `${prefix}.${n}` : n));
    return out;
  }
}
class BatchNorm2d extends Fake {}
class LayerNorm extends Fake {}
class Conv2d extends Fake {}

describe('moduleKindsOf', () => {
  it('finds norm layers (even in numbered Sequentials) and depthwise convs', () => {
    const model = new Fake({
      params: ['cls_token'],
      children: [
        ['body', new Fake({ children: [['1', new BatchNorm2d({ params: ['weight', 'bias'] })]] })],
        ['dw', new Conv2d({ params: ['weight'], kernelSize: [3, 3], groups: 8, inChannels: 8 })],
        ['conv', new Conv2d({ params: ['weight'], kernelSize: [3, 3], groups: 1, inChannels: 8 })],
        ['ln', new LayerNorm({ params: ['weight'] })],
        ['custom', new Fake({ params: ['g'], moduleKind: 'norm' })],
      ],
    });
    const kinds = moduleKindsOf(model);
    expect([...kinds]).toEqual([
      ['body.1.weight', 'norm'],
      ['body.1.bias', 'norm'],
      ['dw.weight', 'dwconv'],
      ['ln.weight', 'norm'],
      ['custom.g', 'norm'],
    ]);
    expect(defaultModuleKind(new Fake())).toBeUndefined();
    const d = decideParams(
      [...model.namedParameters()].map(([n]) => ({ name: n, shape: [4] })),
      0.1,
      0.01,
      { norm_decay_mult: 0 },
      kinds,
    );
    expect(d.filter((x) => x.weightDecay === 0).map((x) => x.name)).toEqual(['body.1.weight', 'body.1.bias', 'ln.weight', 'custom.g']);
  });
});
