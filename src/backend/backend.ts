/**
 * Backend selection: `tensorflow` (tfjs-node-gpu, then tfjs-node), then
 * `wasm`, then `cpu`. An explicitly requested backend that cannot be loaded is
 * an error, never a silent fallback.
 */
import { tf } from '../tf';

export type BackendName = 'tensorflow' | 'wasm' | 'cpu';
export const BACKEND_ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];

/** Hooks run after a backend is activated (e.g. registering extra wasm kernels). */
const onActivate: Array<(name: BackendName) => void | Promise<void>> = [];
export function onBackendActivated(fn: (name: BackendName) => void | Promise<void>): void {
  onActivate.push(fn);
}

function tryRequire(mod: string): { ok: true } | { ok: false; error: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require(mod);
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] };
  }
}

/** Loads the package that provides `name`; returns why not when it cannot. */
export function loadBackendPackage(name: BackendName): { ok: true; pkg: string } | { ok: false; error: string } {
  if (name === 'cpu') return { ok: true, pkg: '@tensorflow/tfjs-backend-cpu' };
  if (name === 'wasm') {
    const r = tryRequire('@tensorflow/tfjs-backend-wasm');
    return r.ok ? { ok: true, pkg: '@tensorflow/tfjs-backend-wasm' } : r;
  }
  const errors: string[] = [];
  for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    const r = tryRequire(pkg);
    if (r.ok) return { ok: true, pkg };
    errors.push(`${pkg}: ${r.error}`);
  }
  return { ok: false, error: errors.join('; ') };
}

export class BackendError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackendError';
  }
}

/**
 * Activates `requested` (or the best present backend) and returns its name.
 * Throws a {@link BackendError} naming the missing package when a requested
 * backend is unavailable.
 */
export async function initBackend(requested?: string): Promise<BackendName> {
  if (requested !== undefined && !BACKEND_ORDER.includes(requested as BackendName)) {
    throw new BackendError(`unknown backend '${requested}'; choose one of: ${BACKEND_ORDER.join(', ')}`);
  }
  const candidates = requested ? [requested as BackendName] : BACKEND_ORDER;
  const reasons: string[] = [];
  for (const name of candidates) {
    const loaded = loadBackendPackage(name);
    if (!loaded.ok) {
      reasons.push(`${name}: ${loaded.error}`);
      continue;
    }
    let ok = false;
    try {
      ok = await tf.setBackend(name);
      await tf.ready();
    } catch (e) {
      reasons.push(`${name}: ${(e as Error).message}`);
      continue;
    }
    if (!ok || tf.getBackend() !== name) {
      reasons.push(`${name}: tf.setBackend('${name}') failed`);
      continue;
    }
    for (const fn of onActivate) await fn(name);
    return name;
  }
  const hint =
    requested === 'tensorflow'
      ? ' (install @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node; see docs/backends.md)'
      : '';
  throw new BackendError(`backend '${requested ?? 'any'}' is not available${hint}:\n  ${reasons.join('\n  ')}`);
}
