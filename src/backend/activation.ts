/**
 * Hooks run after a backend is activated (e.g. registering extra wasm kernels).
 * A leaf of its own so the kernel registration can hook in without importing
 * backend.ts, which imports it.
 */
export type BackendName = 'tensorflow' | 'wasm' | 'cpu';

type ActivationHook = (name: BackendName) => void | Promise<void>;
const onActivate: ActivationHook[] = [];

export function onBackendActivated(fn: ActivationHook): void {
  onActivate.push(fn);
}

/** Runs the hooks in the order they were added. */
export async function runActivationHooks(name: BackendName): Promise<void> {
  for (const fn of onActivate) await fn(name);
}
