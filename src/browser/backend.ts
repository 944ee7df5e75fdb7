/** Backend choice in a browser: the first of webgpu, webgl, wasm (or the caller's list) that initialises. */
import { tf } from '../tf';

export const BROWSER_BACKENDS = ['webgpu', 'webgl', 'wasm', 'cpu'] as const;
export type BrowserBackend = (typeof BROWSER_BACKENDS)[number];
export const DEFAULT_BACKEND_ORDER: BrowserBackend[] = ['webgpu', 'webgl', 'wasm'];

export interface BackendOptions {
  /** One backend, or the order to try (default webgpu, webgl, wasm). */
  backend?: BrowserBackend | BrowserBackend[];
  /** Where the tfjs wasm binaries are served: a folder URL ending in '/', or a URL per file name (see `setWasmPaths`). */
  wasmPaths?: string | Record<string, string>;
}

/** Registers a backend's factory (webgpu and wasm are loaded on demand: their code is only fetched when tried). */
async function register(name: BrowserBackend, opts: BackendOptions): Promise<void> {
  if (name === 'webgpu' && !tf.findBackendFactory('webgpu')) await import('@tensorflow/tfjs-backend-webgpu');
  if (name === 'wasm' && !tf.findBackendFactory('wasm')) {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    if (opts.wasmPaths) wasm.setWasmPaths(opts.wasmPaths as never);
  }
}

/** Sets the first backend of the order that works and returns its name; the error lists why each failed. */
export async function selectBrowserBackend(opts: BackendOptions = {}): Promise<BrowserBackend> {
  const order = opts.backend === undefined ? DEFAULT_BACKEND_ORDER : Array.isArray(opts.backend) ? opts.backend : [opts.backend];
  const why: string[] = [];
  for (const name of order) {
    if (!BROWSER_BACKENDS.includes(name)) throw new Error(`backend: '${String(name)}' is not one of ${BROWSER_BACKENDS.join(', ')}`);
    if (name === 'webgpu' && !(globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu) {
      why.push('webgpu: navigator.gpu is missing');
      continue;
    }
    try {
      await register(name, opts);
      if (await tf.setBackend(name)) {
        await tf.ready();
        return name;
      }
      why.push(`${name}: did not initialise`);
    } catch (e) {
      why.push(`${name}: ${(e as Error).message}`);
    }
  }
  throw new Error(`backend: none of ${order.join(', ')} works here (${why.join('; ')})`);
}
