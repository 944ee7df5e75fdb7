/**
 * tools/benchmark.ts end to end on the demo config (48 px, cpu): a training
 * step's report has the three memory phases, no tensor leak, and with
 * `--profile` the slowest kernels of one profiled step, slowest first, with
 * no nested (op or custom-gradient) entries counted twice.
 */
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');

interface Report {
  mode: string;
  tensorsBefore: number;
  tensorsAfter: number;
  memory: Array<{ phase: string; tensorMiB: number; peakRssMiB: number }>;
  profile: { wallMs: number; kernelMs: number; kernels: Array<{ kernel: string; ms: number; calls: number }> };
}

test('a profiled training step on the demo config', async () => {
  const { stdout } = await run(TSX, [path.join(ROOT, 'tools/benchmark.ts'), 'configs/apvit/demo.ts', '--backend', 'cpu', '--batch', '2', '--iters', '1', '--mode', 'train', '--json', '--profile', '4'], { cwd: ROOT, maxBuffer: 16 << 20 });
  const r = JSON.parse(stdout.slice(stdout.indexOf('{'))) as Report;
  expect(r.mode).toBe('train');
  expect(r.tensorsAfter).toBe(r.tensorsBefore);
  expect(r.memory.map((p) => p.phase)).toEqual(['forward', 'backward', 'step']);
  for (const p of r.memory) expect(p.peakRssMiB).toBeGreaterThan(0);
  const { kernels, kernelMs, wallMs } = r.profile;
  expect(kernels).toHaveLength(4);
  for (let i = 1; i < kernels.length; i++) expect(kernels[i - 1].ms).toBeGreaterThanOrEqual(kernels[i].ms);
  for (const k of kernels) {
    expect(k.calls).toBeGreaterThan(0);
    expect(k.kernel).not.toMatch(/__op$|^unnamed scope$/);
  }
  // the demo model's convs and matmuls run in a training step
  expect(kernels.map((k) => k.kernel).join(' ')).toMatch(/Conv2D|BatchMatMul|Multiply/);
  expect(kernelMs).toBeLessThanOrEqual(wallMs * 1.05);
}, 120_000);

test('--profile takes a count', async () => {
  const err = await run(TSX, [path.join(ROOT, 'tools/benchmark.ts'), 'configs/apvit/demo.ts', '--backend', 'cpu', '--profile', 'x'], { cwd: ROOT }).then(() => '', (e: { stderr: string }) => e.stderr);
  expect(err).toMatch(/--profile takes a count of kernels to list, got 'x'/);
}, 60_000);
