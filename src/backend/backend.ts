/**
 * Backend selection: `tensorflow` (tfjs-node-gpu, then tfjs-node), then
 * `wasm`, then `cpu`. An explicitly requested backend that cannot be loaded is
 * an error, never a silent fallback.
 */
import * as fs from 'fs';
import * as path from 'path';
import { tf } from '../tf';
import './register-kernels'; // wasm: training kernels + threads (issue 5)
import { closestNames } from '../utils/suggest';
import { withoutSourceMaps } from '../utils/pause-source-maps';

import { runActivationHooks, type BackendName } from './activation';

export { onBackendActivated, type BackendName } from './activation';
export const BACKEND_ORDER: BackendName[] = ['tensorflow', 'wasm', 'cpu'];

function tryRequire(mod: string): { ok: true } | { ok: false; error: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    withoutSourceMaps(() => require(mod));
    return { ok: true };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] };
  }
}

const NOT_INSTALLED = 'not installed';

/** The packages that provide `tensorflow`, best first. */
export const TENSORFLOW_PACKAGES = ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node'] as const;

/**
 * Why `pkg` cannot provide the native binding, or undefined when it looks
 * loadable. Checked before `require`: tfjs-node registers all its kernels
 * before it looks for its addon, so a package installed without its native
 * part (a failed or skipped install script) must not be loaded at all.
 */
export function nativeBindingProblem(pkg: string, paths?: string[]): string | undefined {
  let root: string;
  try {
    root = path.dirname(require.resolve(`${pkg}/package.json`, paths ? { paths } : undefined));
  } catch {
    return NOT_INSTALLED;
  }
  const lib = path.join(root, 'lib');
  const found = fs.existsSync(lib) && fs.readdirSync(lib).some((d) => /^napi-v\d+$/.test(d) && fs.existsSync(path.join(lib, d, 'tfjs_binding.node')));
  return found ? undefined : `installed without its native library (no ${path.join('lib', 'napi-v*', 'tfjs_binding.node')}; its install script was skipped or failed, see docs/backends.md)`;
}

/**
 * Loads one tfjs-node flavour. A failed load is rolled back: every kernel it
 * registered for `tensorflow` is unregistered, so the next flavour starts
 * clean (no "kernel already registered" flood, no half-working backend).
 */
export function loadTensorflowFlavour(pkg: string, paths?: string[]): { ok: true } | { ok: false; error: string } {
  const problem = nativeBindingProblem(pkg, paths);
  if (problem) return { ok: false, error: problem };
  const before = new Set(tf.getKernelsForBackend('tensorflow').map((k) => k.kernelName));
  const hadBackend = tf.findBackendFactory('tensorflow') !== null;
  const r = tryRequire(paths ? require.resolve(pkg, { paths }) : pkg);
  if (!r.ok) {
    for (const k of tf.getKernelsForBackend('tensorflow')) if (!before.has(k.kernelName)) tf.unregisterKernel(k.kernelName, 'tensorflow');
    if (!hadBackend && tf.findBackendFactory('tensorflow') !== null) tf.removeBackend('tensorflow');
  }
  return r;
}

export type PackageLoad = { ok: true; pkg: string; skipped: string[] } | { ok: false; error: string };

/** Loads the package that provides `name`; returns why not when it cannot (and what was skipped on the way). */
export function loadBackendPackage(name: BackendName): PackageLoad {
  if (name === 'cpu') return { ok: true, pkg: '@tensorflow/tfjs-backend-cpu', skipped: [] };
  if (name === 'wasm') {
    const r = tryRequire('@tensorflow/tfjs-backend-wasm');
    return r.ok ? { ok: true, pkg: '@tensorflow/tfjs-backend-wasm', skipped: [] } : r;
  }
  const errors: string[] = [];
  for (const pkg of TENSORFLOW_PACKAGES) {
    const r = loadTensorflowFlavour(pkg);
    if (r.ok) return { ok: true, pkg, skipped: errors };
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
 * Activates `requestedName` (or the best present backend for undefined,
 * '' or 'auto'; aliases as in {@link parseBackendFlag}) and returns its name.
 * Throws a {@link BackendError} naming the missing package when a requested
 * backend is unavailable. The choice is logged through `opts.logger`.
 */
export async function initBackend(requestedName?: string, opts: { logger?: BackendLogSink } = {}): Promise<BackendName> {
  // 'auto', '' and the documented aliases are accepted wherever a backend name is
  const requested = parseBackendFlag(requestedName);
  const candidates = requested ? [requested as BackendName] : BACKEND_ORDER;
  const reasons: string[] = [];
  for (const name of candidates) {
    const loaded = loadBackendPackage(name);
    if (!loaded.ok) {
      reasons.push(`${name}: ${loaded.error}`);
      continue;
    }
    let ok: boolean;
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
    activePackage = loaded.pkg;
    await runActivationHooks(name);
    const skipped = reasons.length ? ` (skipped: ${reasons.map((r) => r.split(':')[0]).join(', ')})` : '';
    // one line that says why a better flavour of the package was passed over (e.g. tfjs-node-gpu without its native library)
    for (const why of loaded.skipped) if (!why.endsWith(NOT_INSTALLED)) opts.logger?.info(`backend: skipped ${why}`);
    opts.logger?.info(`backend: ${name} from ${loaded.pkg}${requested ? ' (requested)' : `, chosen automatically${skipped}`}${deviceNote(name)}`);
    return name;
  }
  const hint =
    requested === 'tensorflow'
      ? ' (install @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node; see docs/backends.md)'
      : '';
  throw new BackendError(`backend '${requested ?? 'any'}' is not available${hint}:\n  ${reasons.join('\n  ')}`);
}

/** What a run computed on, for the run log and the checkpoint meta. */
export interface BackendInfo {
  backend: string;
  /** The npm package that provided it. */
  package?: string;
  /** 'GPU' when tfjs-node-gpu runs on a CUDA device, else 'CPU'. */
  device: 'GPU' | 'CPU';
  /** The TensorFlow C library's version (tensorflow backend only). */
  tensorflowVersion?: string;
}

let activePackage: string | undefined;

/** The active backend, its package and device. */
export function activeBackendInfo(): BackendInfo {
  const name = tf.getBackend();
  const b = tf.backend() as unknown as { isUsingGpuDevice?: boolean; binding?: { TF_Version?: string } };
  return {
    backend: name,
    ...(activePackage ? { package: activePackage } : {}),
    device: name === 'tensorflow' && b.isUsingGpuDevice ? 'GPU' : 'CPU',
    ...(name === 'tensorflow' && b.binding?.TF_Version ? { tensorflowVersion: b.binding.TF_Version } : {}),
  };
}

function deviceNote(name: BackendName): string {
  if (name !== 'tensorflow') return '';
  const i = activeBackendInfo();
  return ` on ${i.device}${i.tensorflowVersion ? ` (TensorFlow ${i.tensorflowVersion})` : ''}`;
}
