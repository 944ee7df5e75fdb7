/**
 * docs/contracts.md and docs/architecture.md say where things are and what
 * they are called: every repository path they name in backticks exists, and
 * every name their code blocks import from `fer-mm` (or a `fer-mm/<subpath>`
 * entry), and every name of the contracts table, is exported there.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const DOCS = ['docs/contracts.md', 'docs/architecture.md'];

/** Exported names (values and types) of a package entry, by the TypeScript checker. */
function exportsOf(entries: string[]): Map<string, Set<string>> {
  const files = entries.map((e) => path.join(ROOT, e));
  const program = ts.createProgram(files, { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, experimentalDecorators: true, skipLibCheck: true, noEmit: true, esModuleInterop: true, resolveJsonModule: true, types: ['node'] });
  const checker = program.getTypeChecker();
  const out = new Map<string, Set<string>>();
  entries.forEach((e, i) => {
    const sf = program.getSourceFile(files[i])!;
    const sym = checker.getSymbolAtLocation(sf)!;
    out.set(e, new Set(checker.getExportsOfModule(sym).map((s) => s.name)));
  });
  return out;
}

function entryOf(spec: string): string {
  return spec === 'fer-mm' ? 'src/index.ts' : `src/${spec.slice('fer-mm/'.length)}/index.ts`;
}

describe.each(DOCS)('%s', (doc) => {
  const text = fs.readFileSync(path.join(ROOT, doc), 'utf8');
  const ticks = [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);

  it('names only paths that exist', () => {
    const paths = ticks.filter((t) => /^(src|test|tools|plugins|examples|configs|docs|etc|web)\/[\w./-]*$/.test(t) || /^\.[\w-]+\.cjs$/.test(t));
    expect(paths.length).toBeGreaterThan(3);
    const missing = paths.filter((p) => !fs.existsSync(path.join(ROOT, p.replace(/\/$/, ''))));
    expect(missing).toEqual([]);
  });

  it('imports in its code only what the entries export; the contracts table names exported names', () => {
    const imports: Array<[string, string]> = [];
    for (const m of text.matchAll(/import \{([^}]+)\} from '(fer-mm(?:\/[\w-]+)?)'/g)) {
      for (const raw of m[1].split(',')) {
        const name = raw.trim().replace(/^type\s+/, '');
        if (name) imports.push([m[2], name]);
      }
    }
    for (const row of text.matchAll(/^\| [^|]+ \| `src\/contracts\/[\w-]+\.ts` \| (.+) \|$/gm)) {
      for (const n of row[1].matchAll(/`(\w+)`/g)) imports.push(['fer-mm', n[1]]);
    }
    if (!imports.length) return;
    const entries = [...new Set(imports.map(([e]) => entryOf(e)))];
    const exported = exportsOf(entries);
    const missing = imports.filter(([e, n]) => !exported.get(entryOf(e))!.has(n)).map(([e, n]) => `${e}: ${n}`);
    expect(missing).toEqual([]);
  });
});
