/**
 * tools/train.ts driven in a pseudo-terminal (util-linux `script`): the
 * progress bar must move while the epoch runs, log lines must reach the
 * terminal above it in order, and the final bar state must be flushed.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { makeDemoData } from '../../src/data/demo-data';
import { saveCheckpoint } from '../../src/checkpoint/load';
import { tf } from '../../src/tf';
import { toyToolConfig } from '../harness/tool-config';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const hasScript = fs.existsSync('/usr/bin/script') || fs.existsSync('/bin/script');
let dir: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-pty-'));
  await makeDemoData(path.join(dir, 'data'), { train: 28, test: 14, size: 16 });
  const cfg = {
    ...toyToolConfig(path.join(dir, 'data')),
    evaluation: { interval: 1, metric: ['accuracy'] },
    optimizer: { type: 'SGD', lr: 0.01 },
    optimizer_config: {},
    lr_config: { policy: 'fixed' },
    runner: { type: 'EpochBasedRunner', max_epochs: 2 },
    checkpoint_config: { interval: 2 },
    log_config: { interval: 1, hooks: [{ type: 'TextLoggerHook' }] },
    workflow: [['train', 1]],
  };
  fs.writeFileSync(path.join(dir, 'tiny.json'), JSON.stringify(cfg));
  const w = tf.ones([2, 3]);
  saveCheckpoint(path.join(dir, 'small'), { stateDict: new Map([['w', w]]), meta: {} });
  w.dispose();
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

(hasScript ? describe : describe.skip)('progress in a pseudo-terminal', () => {
  it('train: each log line, then the bar redrawn with the new count, in order; the last state is flushed', async () => {
    const cmd = [TSX, path.join(ROOT, 'tools/train.ts'), 'tiny.json', '--work-dir', 'wd', '--seed', '1', '--backend', 'cpu'].map(quote).join(' ');
    const { stdout } = await run('script', ['-qefc', cmd, '/dev/null'], { cwd: dir, env: { ...process.env, COLUMNS: '120' }, maxBuffer: 1 << 24 });
    const out = stdout.toString();
    for (const epoch of [1, 2]) {
      let at = out.indexOf(`epoch ${epoch}/2 [`);
      expect(at).toBeGreaterThanOrEqual(0);
      for (let k = 1; k <= 4; k++) {
        const log = out.indexOf(`Epoch [${epoch}][${k}/4]`, at);
        expect(log).toBeGreaterThan(at); // the log line reached the terminal, after the previous bar state
        const bar = out.slice(log).search(new RegExp(`epoch ${epoch}/2 \\[[#.]+\\] ${k}/4 \\|`));
        expect(bar).toBeGreaterThan(0); // and the bar shows the new count after it
        at = log + bar;
      }
    }
    // The evaluation bar reached its end too, and the run finished.
    expect(out).toMatch(/\] 14\/14 \| 100%/);
    expect(out).toMatch(/Epoch\(val\) \[2\]/);
  }, 120000);
});

describe('progress in a pipe', () => {
  it('make-demo-data and convert-checkpoint print plain progress lines, no escape codes', async () => {
    const demo = await run(TSX, [path.join(ROOT, 'tools/make-demo-data.ts'), 'd2', '--train', '70', '--test', '70', '--size', '16'], { cwd: dir });
    const lines = demo.stderr.toString().trim().split('\n');
    expect(lines[lines.length - 1]).toMatch(/^images: 140\/140 \(100%\), elapsed \d+s$/);
    expect(lines.length).toBeGreaterThanOrEqual(2);
    expect(demo.stderr.toString()).not.toContain('\x1b');
    const conv = await run(TSX, [path.join(ROOT, 'tools/convert-checkpoint.ts'), 'small.safetensors', 'copy.safetensors'], { cwd: dir });
    expect(conv.stderr.toString()).toMatch(/convert: 1\/2 \(50%\).*\nconvert: 2\/2 \(100%\)/);
  }, 60000);
});
