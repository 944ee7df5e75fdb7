import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend, parseBackendFlag, BackendError, loadTensorflowFlavour, nativeBindingProblem, activeBackendInfo } from '../../src/backend/backend';
import { tf } from '../../src/tf';
import { presentBackends } from '../harness/backends';

const hasTensorflow = presentBackends().includes('tensorflow');

/** A fake `@tensorflow/tfjs-node-gpu` under a temp node_modules: registers kernels, then fails like a missing libtensorflow. */
function fakeGpuPackage(withBinding: boolean): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-fake-tfjs-'));
  const pkg = path.join(root, 'node_modules', '@tensorflow', 'tfjs-node-gpu');
  fs.mkdirSync(path.join(pkg, 'lib', 'napi-v8'), { recursive: true });
  fs.writeFileSync(path.join(pkg, 'package.json'), JSON.stringify({ name: '@tensorflow/tfjs-node-gpu', main: 'index.js' }));
  if (withBinding) fs.writeFileSync(path.join(pkg, 'lib', 'napi-v8', 'tfjs_binding.node'), '');
  const tfPath = JSON.stringify(require.resolve('@tensorflow/tfjs'));
  fs.writeFileSync(
    path.join(pkg, 'index.js'),
    `const tf = require(${tfPath});
for (const k of ['FakeKernelA', 'FakeKernelB']) tf.registerKernel({ kernelName: k, backendName: 'tensorflow', kernelFunc: () => null });
throw new Error('libtensorflow.so.2: cannot open shared object file');
`,
  );
  return root;
}

function sink() {
  const lines: string[] = [];
  return { lines, info: (m: string) => lines.push(m) };
}

describe('backends', () => {
  it('a requested tensorflow backend works when tfjs-node is installed, else is a clear error naming the packages', async () => {
    if (hasTensorflow) {
      const log = sink();
      expect(await initBackend('tensorflow', { logger: log })).toBe('tensorflow');
      expect(log.lines.at(-1)).toMatch(/^backend: tensorflow from @tensorflow\/tfjs-node(-gpu)? \(requested\) on (CPU|GPU)/);
      expect(activeBackendInfo()).toMatchObject({ backend: 'tensorflow', device: expect.stringMatching(/^(CPU|GPU)$/) });
      await initBackend('cpu');
      return;
    }
    let err: Error | undefined;
    try {
      await initBackend('tensorflow');
    } catch (e) {
      err = e as Error;
    }
    expect(err).toBeInstanceOf(BackendError);
    expect(err!.message).toContain("backend 'tensorflow' is not available");
    expect(err!.message).toContain('@tensorflow/tfjs-node-gpu');
    expect(err!.message).toContain('@tensorflow/tfjs-node');
    expect(err!.message).toContain('docs/backends.md');
  });

  it('cpu and wasm work and the choice is logged', async () => {
    const log = sink();
    expect(await initBackend('wasm', { logger: log })).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    const wasmSum = tf.tidy(() => tf.add(tf.tensor1d([1, 2]), tf.tensor1d([3, 4])).arraySync());
    expect(wasmSum).toEqual([4, 6]);
    expect(await initBackend('cpu', { logger: log })).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(log.lines).toEqual(['backend: wasm from @tensorflow/tfjs-backend-wasm (requested)', 'backend: cpu from @tensorflow/tfjs-backend-cpu (requested)']);
  });

  it('picks the best present backend when none is requested and says what it skipped', async () => {
    const log = sink();
    const name = await initBackend('auto', { logger: log });
    if (hasTensorflow) {
      expect(name).toBe('tensorflow');
      expect(log.lines.at(-1)).toMatch(/^backend: tensorflow from @tensorflow\/tfjs-node(-gpu)?, chosen automatically/);
    } else {
      expect(name).toBe('wasm');
      expect(log.lines[0]).toMatch(/^backend: wasm from @tensorflow\/tfjs-backend-wasm, chosen automatically \(skipped: tensorflow\)$/);
    }
    await initBackend('cpu');
  });

  it('a tfjs-node-gpu without its native library is skipped before it registers anything', () => {
    const root = fakeGpuPackage(false);
    const before = tf.getKernelsForBackend('tensorflow').length;
    expect(nativeBindingProblem('@tensorflow/tfjs-node-gpu', [root])).toMatch(/installed without its native library.*tfjs_binding\.node/);
    const r = loadTensorflowFlavour('@tensorflow/tfjs-node-gpu', [root]);
    expect(r).toEqual({ ok: false, error: expect.stringMatching(/installed without its native library/) });
    expect(tf.getKernelsForBackend('tensorflow').length).toBe(before);
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('a tfjs-node-gpu whose load fails halfway leaves no kernels behind', () => {
    const root = fakeGpuPackage(true);
    const before = tf.getKernelsForBackend('tensorflow').map((k) => k.kernelName);
    const r = loadTensorflowFlavour('@tensorflow/tfjs-node-gpu', [root]);
    expect(r).toEqual({ ok: false, error: expect.stringContaining('libtensorflow.so.2') });
    expect(tf.getKernelsForBackend('tensorflow').map((k) => k.kernelName)).toEqual(before);
    // registering the same names again (what the real tfjs-node does next) must not collide
    expect(tf.getKernel('FakeKernelA', 'tensorflow')).toBeUndefined();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('an unknown name is an error with a suggestion', async () => {
    await expect(initBackend('wams')).rejects.toThrow(/unknown backend 'wams' \(did you mean 'wasm'\?\); choose one of: auto, tensorflow, wasm, cpu/);
  });

  it('every tool-facing alias selects a backend', async () => {
    expect(await initBackend('CPU')).toBe('cpu');
    expect(await initBackend('')).toBe(presentBackends().includes('tensorflow') ? 'tensorflow' : 'wasm');
    if (hasTensorflow) expect(await initBackend('tfjs-node')).toBe('tensorflow');
    else await expect(initBackend('tfjs-node')).rejects.toThrow(/backend 'tensorflow' is not available/);
    await initBackend('cpu');
  });

  it('parseBackendFlag normalizes tool flags', () => {
    expect(parseBackendFlag(undefined)).toBeUndefined();
    expect(parseBackendFlag('auto')).toBeUndefined();
    expect(parseBackendFlag(' CPU ')).toBe('cpu');
    expect(parseBackendFlag('tfjs-node-gpu')).toBe('tensorflow');
    expect(() => parseBackendFlag('cuda')).toThrow(/unknown backend 'cuda'.*choose one of: auto, tensorflow, wasm, cpu/);
  });
});
