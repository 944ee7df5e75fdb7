/**
 * Backend selection: `tensorflow` (tfjs-node-gpu, then tfjs-node), then
 * `wasm`, then `cpu`. An explicitly requested backend that cannot be loaded is
 * an error, never a silent fallback.
 */
import { tf } from '../tf';
import './register-kernels'; // wasm: training kernels + threads (issue 5)
import { closestNames } from '../utils/suggest';

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

/** Anything with an `info` method (the DI Logger). */
export interface BackendLogSink {
  info(msg: string): void;
}

/**
 * Parses a tool's `--backend NAME` value: `undefined`, '' or 'auto' mean
 * "best available"; otherwise the name must be one of {@link BACKEND_ORDER}.
 */
export function parseBackendFlag(value: string | undefined): BackendName | undefined {
  if (value === undefined) return undefined;
  const v = value.trim().toLowerCase();
  if (v === '' || v === 'auto') return undefined;
  if (v === 'tfjs-node' || v === 'tfjs-node-gpu' || v === 'node' || v === 'gpu') return 'tensorflow';
  if (BACKEND_ORDER.includes(v as BackendName)) return v as BackendName;
  const near = closestNames(v, BACKEND_ORDER, 1);
  throw new BackendError(
    `unknown backend '${value}'${near.length ? ` (did you mean '${near[0]}'?)` : ''}; choose one of: auto, ${BACKEND_ORDER.join(', ')}`,
  );
}

/**
 * Activates `requested` (or the best present backend) and returns its name.
 * Throws a {@link BackendError} naming the missing package when a requested
 * backend is unavailable. The choice is logged through `opts.logger`.
 */
export async function initBackend(requested?: string, opts: { logger?: BackendLogSink } = {}): Promise<BackendName> {
  if (requested !== undefined && !BACKEND_ORDER.includes(requested as BackendName)) {
    const near = closestNames(requested, BACKEND_ORDER, 1);
    throw new BackendError(
      `unknown backend '${requested}'${near.length ? ` (did you mean '${near[0]}'?)` : ''}; choose one of: ${BACKEND_ORDER.join(', ')}`,
    );
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
    // the cpu backend prints a multi-line "install tfjs-node" banner on first use; we log the choice instead
    if (name === 'cpu') (tf.backend() as unknown as { firstUse?: boolean }).firstUse = false;
    for (const fn of onActivate) await fn(name);
    const skipped = reasons.length ? ` (skipped: ${reasons.map((r) => r.split(':')[0]).join(', ')})` : '';
    opts.logger?.info(`backend: ${name} from ${loaded.pkg}${requested ? ' (requested)' : `, chosen automatically${skipped}`}`);
    return name;
  }
  const hint =
    requested === 'tensorflow'
      ? ' (install @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node; see docs/backends.md)'
      : '';
  throw new BackendError(`backend '${requested ?? 'any'}' is not available${hint}:\n  ${reasons.join('\n  ')}`);
}
