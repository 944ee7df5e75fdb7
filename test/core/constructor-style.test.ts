/**
 * One constructor style: classes take one documented args object (tfjs-layers'
 * `DenseLayerArgs`, timm's keyword arguments), not positional lists. Checked
 * on the sources with the TypeScript compiler API: no class in src/ or
 * plugins/ takes more than 4 constructor parameters (an args object is one, a
 * rest parameter is any number), and no layer, block or model (a Module
 * subclass) takes a bare number, boolean or string.
 */
import * as fs from 'fs';
import * as path from 'path';
import * as ts from 'typescript';

const REPO = path.resolve(__dirname, '../..');
const MAX_PARAMS = 4;

interface Ctor {
  where: string;
  className: string;
  base?: string;
  params: ts.ParameterDeclaration[];
  source: ts.SourceFile;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (e.name !== 'node_modules') out.push(...sourceFiles(p));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) {
      out.push(p);
    }
  }
  return out;
}

/** Every class (declaration or expression) of one source text, with its constructor's parameters (none: no constructor). */
function constructorsOf(file: string, text: string): Ctor[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const found: Ctor[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) {
      const ext = node.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0];
      const ctor = node.members.find(ts.isConstructorDeclaration);
      const line = source.getLineAndCharacterOfPosition((ctor ?? node).getStart(source)).line + 1;
      found.push({
        where: `${path.relative(REPO, file)}:${line}`,
        className: node.name?.text ?? '(anonymous class)',
        base: ext && ts.isIdentifier(ext.expression) ? ext.expression.text : undefined,
        params: ctor ? [...ctor.parameters] : [],
        source,
      });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Positional arguments a constructor takes: its parameter count, unbounded with a rest parameter. */
function positionalCount(c: Ctor): number {
  return c.params.some((p) => p.dotDotDotToken) ? Infinity : c.params.length;
}

const PRIMITIVES = new Set([ts.SyntaxKind.NumberKeyword, ts.SyntaxKind.BooleanKeyword, ts.SyntaxKind.StringKeyword]);

/** Whether a parameter takes a bare number/boolean/string (also as one member of a union, or inferred from its default). */
function takesPrimitive(p: ts.ParameterDeclaration): boolean {
  const isPrimitive = (t: ts.TypeNode): boolean =>
    PRIMITIVES.has(t.kind) || (ts.isLiteralTypeNode(t) && t.literal.kind !== ts.SyntaxKind.NullKeyword) || (ts.isUnionTypeNode(t) && t.types.some(isPrimitive));
  if (p.type) return isPrimitive(p.type);
  const init = p.initializer;
  return !!init && (ts.isNumericLiteral(init) || ts.isStringLiteral(init) || init.kind === ts.SyntaxKind.TrueKeyword || init.kind === ts.SyntaxKind.FalseKeyword);
}

/** Classes whose base chain reaches `Module` (by name, over all the given classes). */
function moduleClasses(all: Ctor[]): Set<string> {
  const modules = new Set(['Module']);
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of all) {
      if (c.base && modules.has(c.base) && !modules.has(c.className)) {
        modules.add(c.className);
        grew = true;
      }
    }
  }
  return modules;
}

const describeCtor = (c: Ctor) => `${c.where} ${c.className}(${c.params.map((p) => p.getText(c.source).replace(/\s+/g, ' ')).join(', ')})`;

function tooManyParams(all: Ctor[]): string[] {
  return all.filter((c) => positionalCount(c) > MAX_PARAMS).map(describeCtor);
}

function primitiveModuleParams(all: Ctor[]): string[] {
  const modules = moduleClasses(all);
  return all.filter((c) => modules.has(c.className) && c.params.some(takesPrimitive)).map(describeCtor);
}

describe('one constructor style (sources parsed with the TypeScript compiler API)', () => {
  const files = [...sourceFiles(path.join(REPO, 'src')), ...sourceFiles(path.join(REPO, 'plugins'))];
  const all = files.flatMap((f) => constructorsOf(f, fs.readFileSync(f, 'utf8')));

  it('sees the classes of src/ and plugins/', () => {
    const names = new Set(all.map((c) => c.className));
    for (const name of ['Linear', 'Conv2d', 'Block', 'Attention', 'PoolingBlock', 'PoolingAttention', 'MSADBlock', 'MSADAttention', 'IRSE', 'SyncBatchNorm']) {
      expect({ name, found: names.has(name) }).toEqual({ name, found: true });
    }
    const modules = moduleClasses(all);
    for (const name of ['Linear', 'PoolingBlock', 'MSADAttention', 'SyncBatchNorm', 'LinearClsHead']) expect({ name, module: modules.has(name) }).toEqual({ name, module: true });
  });

  it(`no class takes more than ${MAX_PARAMS} positional constructor parameters`, () => {
    expect(tooManyParams(all)).toEqual([]);
  });

  it('no layer, block or model takes a bare number, boolean or string', () => {
    expect(primitiveModuleParams(all)).toEqual([]);
  });

  it('the checks catch the positional styles they forbid', () => {
    const bad = constructorsOf(
      path.join(REPO, 'src/example.ts'),
      [
        'class Wide { constructor(a: number, b: number, c: number, d: number, e: number) {} }',
        'class Rest { constructor(...layers: object[]) {} }',
        'class Layer extends Module { constructor(readonly p = 0.5) { super(); } }',
        "class Norm extends Layer { constructor(a: { n: number } | number) { super({}); } }",
        'class Fine extends Norm { constructor(args: { dim: number }, ctx?: object) { super(args); } }',
        'class FourOk { constructor(a: string, b: string, c: number, d: Uint8Array) {} }',
      ].join('\n'),
    );
    expect(tooManyParams(bad).map((s) => s.split(' ')[1])).toEqual(['Wide(a:', 'Rest(...layers:']);
    expect(primitiveModuleParams(bad).map((s) => s.split(' ')[1].split('(')[0])).toEqual(['Layer', 'Norm']);
  });
});
