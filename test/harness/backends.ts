/**
 * The backends a test runs "on every backend present": cpu always, wasm and
 * tensorflow when their packages load here. CI builds tfjs-node before the
 * suite (see .ci/run), so tensorflow is covered there.
 */
import { loadBackendPackage, type BackendName } from '../../src/backend/backend';

export function presentBackends(): BackendName[] {
  return (['cpu', 'wasm', 'tensorflow'] as BackendName[]).filter((b) => loadBackendPackage(b).ok);
}
