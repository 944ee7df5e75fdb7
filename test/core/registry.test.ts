import { Type } from '@sinclair/typebox';
import { Container } from 'inversify';
import { Registry, RegistryError, declareRootRegistry, rootRegistry, withPluginSource, type BuildContext } from '../../src/registry/registry';
import { Component } from '../../src/registry/schema';
import { ConfigValidationError } from '../../src/registry/validate';
import '../../src/registry/root';

// A registry tree of its own (unique root names) so nothing clashes with real components.
const PARTS = declareRootRegistry('coretest-parts');
const TOOLS = declareRootRegistry('coretest-tools');

describe('registration', () => {
  it('registers with the decorator under an explicit name and aliases', () => {
    const R = new Registry('reg-a');
    @R.register({ name: 'Alpha', aliases: ['A', 'Alfa'], role: 'backbone', description: 'first' })
    class Alpha {}
    expect(R.get('Alpha')?.cls).toBe(Alpha);
    expect(R.get('A')?.cls).toBe(Alpha);
    expect(R.get('Alfa')?.name).toBe('Alpha');
    expect(R.list()).toHaveLength(1);
    expect(R.get('Alpha')?.role).toBe('backbone');
    expect(R.has('Beta')).toBe(false);
  });

  it('refuses a missing name and names with dots', () => {
    const R = new Registry('reg-b');
    expect(() => R.registerModule(class {}, { name: '' })).toThrow(/explicit 'name'/);
    expect(() => R.registerModule(class {}, { name: 'a.b' })).toThrow(/must not contain '\.'/);
  });

  it('throws on a duplicate name (also via an alias) unless force', () => {
    const R = new Registry('reg-c');
    class One {}
    class Two {}
    R.registerModule(One, { name: 'X', aliases: ['Y'] });
    expect(() => R.registerModule(Two, { name: 'X' })).toThrow(/'X' is already registered in the reg-c registry \(scope 'core'\).*force: true/);
    expect(() => R.registerModule(Two, { name: 'Z', aliases: ['Y'] })).toThrow(/'Y' is already registered/);
    R.registerModule(Two, { name: 'X', force: true });
    expect(R.get('X')?.cls).toBe(Two);
  });

  it('names the plugin that holds a clashing name', () => {
    const R = new Registry('reg-d');
    withPluginSource('acme-plugin', () => R.registerModule(class {}, { name: 'Dup' }));
    expect(R.get('Dup')?.plugin).toBe('acme-plugin');
    expect(() => R.registerModule(class {}, { name: 'Dup' })).toThrow(/by plugin 'acme-plugin'.*own scope/);
  });
});

describe('scopes', () => {
  const root = new Registry('reg-scopes');
  class RootOnly {}
  class RootShadowed {}
  class ChildShadow {}
  class SiblingThing {}
  root.registerModule(RootOnly, { name: 'RootOnly' });
  root.registerModule(RootShadowed, { name: 'Shared' });
  const cls = root.child('cls');
  cls.registerModule(ChildShadow, { name: 'Shared' });
  const det = root.child('det');
  det.registerModule(SiblingThing, { name: 'OnlyInDet' });
  const deep = cls.child('deep');

  it('a bare name resolves in the current scope, then its parents', () => {
    expect(cls.get('Shared')?.cls).toBe(ChildShadow);
    expect(root.get('Shared')?.cls).toBe(RootShadowed);
    expect(cls.get('RootOnly')?.cls).toBe(RootOnly);
    expect(deep.get('Shared')?.cls).toBe(ChildShadow);
    expect(deep.searchChain()).toEqual(['deep', 'cls', 'core']);
    // a bare name found nowhere on the chain resolves in the one other scope that has it
    // (a plugin's components keep their bare names)
    expect(cls.get('OnlyInDet')?.cls).toBe(SiblingThing);
    expect(root.get('OnlyInDet')?.cls).toBe(SiblingThing);
  });

  it('scope.Name resolves across scopes, from anywhere in the tree', () => {
    expect(cls.get('det.OnlyInDet')?.cls).toBe(SiblingThing);
    expect(deep.get('core.Shared')?.cls).toBe(RootShadowed);
    expect(root.get('cls.Shared')?.cls).toBe(ChildShadow);
    expect(root.get('det.Shared')).toBeUndefined();
  });

  it('_scope_ on a node switches the scope it resolves in', () => {
    expect(root.build({ type: 'Shared', _scope_: 'cls' })).toBeInstanceOf(ChildShadow);
    expect(root.build({ type: 'Shared' })).toBeInstanceOf(RootShadowed);
    expect(() => root.build({ type: 'Shared', _scope_: 'clss' }, { path: 'model' })).toThrow(
      /model\._scope_: scope "clss" does not exist in the reg-scopes registry; known scopes: core, cls, deep, det/,
    );
  });

  it('child() returns the same scope and refuses a scope name used elsewhere in the tree', () => {
    expect(root.child('cls')).toBe(cls);
    expect(() => det.child('deep')).toThrow(/scope 'deep' already exists under 'cls'/);
    expect(root.allScopes().sort()).toEqual(['cls', 'core', 'deep', 'det']);
  });

  it('unknown types list the scopes searched and the closest names', () => {
    let err: RegistryError | undefined;
    try {
      cls.build({ type: 'OnlyInDett' }, { path: 'model.vit' });
    } catch (e) {
      err = e as RegistryError;
    }
    expect(err).toBeInstanceOf(RegistryError);
    expect(err!.configPath).toBe('model.vit.type');
    expect(err!.message).toContain("model.vit.type: 'OnlyInDett' is not registered in the reg-scopes registry");
    expect(err!.message).toContain('scopes searched: cls -> core');
    expect(err!.message).toContain('registered in cls -> core: RootOnly, Shared');
    expect(err!.message).toMatch(/plugins loaded:/);
    // a sibling's name is suggested with its scope only via scope.Name; bare suggestions come from the chain
    expect(() => cls.build({ type: 'Sharde' }, { path: 'a' })).toThrow(/did you mean: 'Shared'/);
    expect(() => cls.build({ type: 'det.OnlyInDet2' }, { path: 'a' })).toThrow(/did you mean: 'det\.OnlyInDet'\?\n {2}registered in scope 'det': OnlyInDet\n/);
    expect(() => cls.build({ type: 'nope.Shared' }, { path: 'a' })).toThrow(/scope 'nope' does not exist; known scopes: core, cls, deep, det/);
  });
});

describe('build', () => {
  const R = PARTS.child('coretest-build');

  @R.register({
    name: 'Leaf',
    schema: Type.Object({ v: Type.Number(), scale: Type.Number({ default: 2 }) }, { additionalProperties: false }),
  })
  class Leaf {
    constructor(
      readonly args: { v: number; scale: number },
      readonly ctx: BuildContext,
    ) {}
  }

  @TOOLS.register({ name: 'Tool', schema: Type.Object({ size: Type.Integer() }, { additionalProperties: false }) })
  class Tool {
    constructor(readonly args: { size: number }) {}
  }

  @R.register({
    name: 'Tree',
    schema: Type.Object(
      {
        left: Component<Leaf>(PARTS),
        right: Type.Optional(Type.Union([Type.Null(), Component<Leaf>(PARTS)])),
        leaves: Type.Optional(Type.Array(Component<Leaf>(PARTS))),
        tool: Type.Optional(Component(TOOLS)),
        later: Type.Optional(Component(PARTS, { lazy: true })),
        name: Type.Optional(Type.String({ default: 'tree' })),
      },
      { additionalProperties: false },
    ),
  })
  class Tree {
    constructor(readonly args: { left: Leaf; right?: Leaf | null; leaves?: Leaf[]; tool?: Tool; later?: object; name: string }) {}
  }

  @R.register({ name: 'Boom' })
  class Boom {
    constructor() {
      throw new TypeError('unexpected keyword argument foo');
    }
  }

  it('passes args without type, fills schema defaults, and gives the context', () => {
    const cfg = { type: 'Leaf', v: 1 };
    const container = new Container();
    const leaf = R.build<Leaf>(cfg, { path: 'model.leaf', container });
    expect(leaf).toBeInstanceOf(Leaf);
    expect(leaf.args).toEqual({ v: 1, scale: 2 });
    expect(leaf.ctx.path).toBe('model.leaf');
    expect(leaf.ctx.registry).toBe(R);
    expect(leaf.ctx.container).toBe(container);
    expect(cfg).toEqual({ type: 'Leaf', v: 1 }); // the config is not modified
  });

  it('fills default_args with setdefault semantics (the config wins)', () => {
    const leaf = R.build<Leaf>({ type: 'Leaf', v: 1 }, { defaultArgs: { v: 99, scale: 5 } });
    expect(leaf.args).toEqual({ v: 1, scale: 5 });
    const fromDefaults = R.build<Leaf>({ v: 3 } as never, { defaultArgs: { type: 'Leaf' } });
    expect(fromDefaults.args.v).toBe(3);
  });

  it('accepts the class itself as type', () => {
    expect(R.build<Leaf>({ type: Leaf, v: 4 }).args.v).toBe(4);
  });

  it('builds nested nodes (also in lists, unions and other registries) before the owner, keeps lazy nodes as config', () => {
    const tree = R.build<Tree>(
      {
        type: 'Tree',
        left: { type: 'Leaf', v: 1 },
        right: null,
        leaves: [{ type: 'coretest-build.Leaf', v: 2 }, { type: 'Leaf', v: 3, scale: 1 }],
        tool: { type: 'Tool', size: 3 },
        later: { type: 'Leaf', v: 9 },
      },
      { path: 'model' },
    );
    expect(tree.args.left).toBeInstanceOf(Leaf);
    expect(tree.args.left.ctx.path).toBe('model.left');
    expect(tree.args.right).toBeNull();
    expect(tree.args.leaves!.map((l) => [l.args.v, l.args.scale])).toEqual([
      [2, 2],
      [3, 1],
    ]);
    expect(tree.args.leaves![1].ctx.path).toBe('model.leaves.1');
    expect(tree.args.tool).toBeInstanceOf(Tool);
    expect(tree.args.later).toEqual({ type: 'Leaf', v: 9 });
    expect(tree.args.name).toBe('tree');
  });

  it('accepts already-built components where a node is expected', () => {
    const leaf = R.build<Leaf>({ type: 'Leaf', v: 5 });
    const tree = R.build<Tree>({ type: 'Tree', left: leaf, right: leaf }, { defaultArgs: { leaves: [leaf] } });
    expect(tree.args.left).toBe(leaf);
    expect(tree.args.right).toBe(leaf);
    expect(tree.args.leaves![0]).toBe(leaf);
  });

  it('reports the nested path of an unknown type', () => {
    expect(() => R.build({ type: 'Tree', left: { type: 'Lief', v: 1 } }, { path: 'model' })).toThrow(
      /model\.left\.type: 'Lief' is not registered[\s\S]*did you mean: 'Leaf'/,
    );
  });

  it('validates arguments before constructing, listing every problem with its path', () => {
    let err: ConfigValidationError | undefined;
    try {
      R.build({ type: 'Tree', left: { type: 'Leaf', v: 'x', scael: 1 }, tool: { type: 'Tool' }, nmae: 'a' }, { path: 'model' });
    } catch (e) {
      err = e as ConfigValidationError;
    }
    expect(err).toBeInstanceOf(ConfigValidationError);
    const byPath = Object.fromEntries(err!.problems.map((p) => [p.path, p.message]));
    expect(byPath['model.nmae']).toBe("unknown key 'nmae'; did you mean 'name'?");
    expect(byPath['model.left.v']).toBe('expected number, got string "x"');
    expect(byPath['model.left.scael']).toBe("unknown key 'scael'; did you mean 'scale'?");
    expect(byPath['model.tool.size']).toMatch(/missing required key \(expected integer\)/);
    expect(err!.message).toContain('arguments of coretest-build.Tree at model');
  });

  it('wraps constructor errors with the config path and the class', () => {
    let err: Error | undefined;
    try {
      R.build({ type: 'Boom' }, { path: 'model.head' });
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(RegistryError);
    expect(R.get('Boom')?.cls).toBe(Boom);
    expect(err!.message).toBe('model.head (coretest-build.Boom): unexpected keyword argument foo');
    expect(err!.stack).toContain('registry.test.ts');
  });

  it('rejects non-object nodes and missing types', () => {
    expect(() => R.build(null as never, { path: 'x' })).toThrow(/x: expected a config object with a 'type', got null/);
    expect(() => R.build({ v: 1 }, { path: 'x' })).toThrow(/x: a config node needs a string 'type'/);
  });

  it('nested bare names resolve from the owner\'s scope first', () => {
    const other = PARTS.child('coretest-other');
    @other.register({ name: 'Leaf', schema: Type.Object({ v: Type.Number() }) })
    class OtherLeaf {
      constructor(readonly args: { v: number }) {}
    }
    @other.register({ name: 'Holder', schema: Type.Object({ part: Component(PARTS) }) })
    class Holder {
      constructor(readonly args: { part: unknown }) {}
    }
    expect(PARTS.build<Holder>({ type: 'coretest-other.Holder', part: { type: 'Leaf', v: 1 } }).args.part).toBeInstanceOf(OtherLeaf);
    expect(
      PARTS.build<Holder>({ type: 'coretest-other.Holder', part: { type: 'coretest-build.Leaf', v: 1 } }).args.part,
    ).toBeInstanceOf(Leaf);
  });

  it('exposes root registries by name', () => {
    expect(rootRegistry('coretest-parts')).toBe(PARTS);
    expect(declareRootRegistry('coretest-parts')).toBe(PARTS);
  });
});

describe('a bare name registered only in other scopes', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Registry } = require('../../src/registry/registry');
  const R = new Registry('hintreg');
  class Only {}
  class A {}
  class B {}
  R.child('hintscope').registerModule(Only, { name: 'OnlyInChild' });
  R.child('left').registerModule(A, { name: 'Twice' });
  R.child('right').registerModule(B, { name: 'Twice' });

  it('resolves in the one scope that has it', () => {
    expect(R.build({ type: 'OnlyInChild' }, { path: 'model.head' })).toBeInstanceOf(Only);
  });

  it('is an error naming every scope that has it when there are several', () => {
    const build = () => R.build({ type: 'Twice' }, { path: 'model.head' });
    expect(build).toThrow(/'Twice' is registered in scope 'left': write 'left.Twice'/);
    expect(build).toThrow(/'Twice' is registered in scope 'right': write 'right.Twice'/);
    expect(R.build({ type: 'right.Twice' }, { path: 'model.head' })).toBeInstanceOf(B);
  });

  it("still resolves a root-scope name of a component that moved to a scope, with a deprecation note", () => {
    const emit = jest.spyOn(process, 'emitWarning').mockImplementation(() => undefined);
    try {
      expect(R.build({ type: 'core.OnlyInChild' }, { path: 'model' })).toBeInstanceOf(Only);
      expect(R.build({ type: 'core.OnlyInChild' }, { path: 'model' })).toBeInstanceOf(Only);
      // once per name, saying what to write instead
      expect(emit.mock.calls.map((c) => String(c[0]))).toEqual([
        expect.stringMatching(/'core\.OnlyInChild' \(hintreg registry\) is deprecated: .*scope 'hintscope'.*write 'hintscope\.OnlyInChild' or 'OnlyInChild'/),
      ]);
    } finally {
      emit.mockRestore();
    }
  });
});
