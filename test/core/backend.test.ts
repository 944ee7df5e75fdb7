import { initBackend, parseBackendFlag, BackendError } from '../../src/backend/backend';
import { tf } from '../../src/tf';
import { createRootContainer, TOKENS, type BackendService } from '../../src/di';

function sink() {
  const lines: string[] = [];
  return { lines, info: (m: string) => lines.push(m) };
}

describe('backends', () => {
  it('a requested tensorflow backend that is not installed is a clear error naming the packages', async () => {
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
    const name = await initBackend(undefined, { logger: log });
    expect(name).toBe('wasm'); // tfjs-node is not installed on this machine
    expect(log.lines[0]).toMatch(/^backend: wasm from @tensorflow\/tfjs-backend-wasm, chosen automatically \(skipped: tensorflow\)$/);
    await initBackend('cpu');
  });

  it('an unknown name is an error with a suggestion', async () => {
    await expect(initBackend('wams')).rejects.toThrow(/unknown backend 'wams' \(did you mean 'wasm'\?\); choose one of: tensorflow, wasm, cpu/);
  });

  it('parseBackendFlag normalizes tool flags', () => {
    expect(parseBackendFlag(undefined)).toBeUndefined();
    expect(parseBackendFlag('auto')).toBeUndefined();
    expect(parseBackendFlag(' CPU ')).toBe('cpu');
    expect(parseBackendFlag('tfjs-node-gpu')).toBe('tensorflow');
    expect(() => parseBackendFlag('cuda')).toThrow(/unknown backend 'cuda'.*choose one of: auto, tensorflow, wasm, cpu/);
  });

  it('the container backend service logs through the container logger', async () => {
    const lines: string[] = [];
    const root = createRootContainer({ env: {}, backend: 'cpu', logger: { stream: { write: (s: string) => lines.push(s) } } });
    const svc = root.get<BackendService>(TOKENS.Backend);
    expect(await svc.init()).toBe('cpu');
    expect(svc.active).toBe('cpu');
    expect(lines.join('')).toMatch(/ - fer-mm - INFO - backend: cpu from @tensorflow\/tfjs-backend-cpu \(requested\)/);
  });
});
