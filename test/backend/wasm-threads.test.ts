/**
 * The wasm backend uses every core in Node (threaded SIMD build, see
 * src/backend/wasm-threads.ts) and computes the same bits as one thread.
 */
import { execFile } from 'child_process';
import * as os from 'os';
import * as path from 'path';
import { promisify } from 'util';
import { initBackend } from '../../src/backend/backend';
import { configureWasmThreads, wasmThreadsInfo } from '../../src/backend/wasm-threads';
import { threadsWorkloadBase64 } from './fixtures/threads-workload';

const repoRoot = path.resolve(__dirname, '../..');

beforeAll(async () => {
  await initBackend('wasm');
});

test('XNNPACK runs more than one thread where the machine has more than one core', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { getThreadsCount } = require('@tensorflow/tfjs-backend-wasm') as { getThreadsCount(): number };
  const info = wasmThreadsInfo();
  const wanted = Number(process.env.FER_MM_WASM_THREADS || os.cpus().length);
  if (os.cpus().length > 1 && wanted > 1) {
    expect(info.reason).toBeUndefined();
    expect(info.multithreaded).toBe(true);
    expect(getThreadsCount()).toBeGreaterThan(1);
    expect(getThreadsCount()).toBe(Math.min(wanted, 8));
  } else {
    expect(getThreadsCount()).toBe(1);
  }
  expect(info.threads).toBe(getThreadsCount());
});

test('threaded results are bit-identical to a single-threaded run (child process)', async () => {
  const here = threadsWorkloadBase64();
  const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
  const { stdout } = await promisify(execFile)(tsx, [path.join(__dirname, 'fixtures', 'threads-child.ts')], {
    cwd: repoRoot,
    env: { ...process.env, FER_MM_WASM_THREADS: '1' },
    maxBuffer: 64 << 20,
  });
  const child = JSON.parse(stdout) as { info: { threads: number; multithreaded: boolean }; data: string };
  expect(child.info.threads).toBe(1);
  expect(child.info.multithreaded).toBe(false);
  expect(child.data.length).toBeGreaterThan(1000);
  expect(child.data === here).toBe(true);
});

test('configureWasmThreads rejects a bad thread count', () => {
  expect(() => configureWasmThreads({ threads: 0 })).toThrow(/positive integer/);
  expect(() => configureWasmThreads({ threads: 1.5 })).toThrow(/positive integer/);
});
