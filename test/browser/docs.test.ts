/** docs/deploy.md's embedding sample is the demo page's own code. */
import * as fs from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const read = (f: string) => fs.readFileSync(path.join(ROOT, f), 'utf8');

/** The lines between `// docs:NAME start` and `// docs:NAME end`, trimmed. */
function marked(text: string, name: string): string[] {
  const m = new RegExp(`// docs:${name} start\\n([\\s\\S]*?)\\n\\s*// docs:${name} end`).exec(text);
  if (!m) throw new Error(`web/main.ts: no docs:${name} region`);
  return m[1].split('\n').map((l) => l.trim());
}

describe('docs/deploy.md', () => {
  const doc = read('docs/deploy.md');
  const page = read('web/main.ts');
  it.each(['embed-load', 'embed-predict'])('quotes the page region %s verbatim', (name) => {
    for (const line of marked(page, name)) expect(doc).toContain(line);
  });
  it('imports what the page imports, and uses its Vite plugin line', () => {
    expect(doc).toContain("import { loadModel } from '../src/browser';");
    expect(page).toMatch(/import \{ loadModel,[^}]*\} from '\.\.\/src\/browser';/);
    expect(doc).toContain("import '@fer-mm/apvit';");
    expect(page).toContain("import '@fer-mm/apvit';");
    expect(read('web/vite.config.ts')).toContain('plugins: [ferMmBrowser()],');
    expect(doc).toContain('plugins: [ferMmBrowser()],');
  });
  it('shows the committed screenshot (PNG under 300 KB)', () => {
    expect(doc).toContain('](images/web-demo.png)');
    expect(fs.statSync(path.join(ROOT, 'docs/images/web-demo.png')).size).toBeLessThan(300 * 1024);
  });
});
