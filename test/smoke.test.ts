import { Type } from '@sinclair/typebox';
import { Registry, Component } from '../src';

describe('registry smoke', () => {
  it('builds nested nodes', () => {
    const R = new Registry('things');
    (globalThis as any).__R = R;
    @R.register({ name: 'Leaf', schema: Type.Object({ v: Type.Number() }) })
    class Leaf {
      constructor(readonly args: { v: number }) {}
    }
    expect(R.build<Leaf>({ type: 'Leaf', v: 2 }).args.v).toBe(2);
    expect(() => R.build({ type: 'Laef' }, { path: 'model.x' })).toThrow(/model\.x\.type.*\n.*\n.*Leaf/);
    void Component;
  });
});
