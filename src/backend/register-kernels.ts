/**
 * Imported once by `backend.ts`: makes the wasm backend multi-threaded in
 * Node (must be in place before tfjs-backend-wasm is loaded) and registers our
 * wasm training kernels whenever the wasm backend is activated.
 */
import * as backendModule from './backend';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { installWasmThreads } from './wasm-threads';

installWasmThreads();

// backend.ts imports this file while it is still being evaluated, so the hook
// is added once the current synchronous module evaluation has finished
// (initBackend awaits the backend start before it runs the hooks).
let hooked = false;
/** Adds the activation hook (idempotent). */
export function hook(): void {
  if (hooked) return;
  hooked = true;
  backendModule.onBackendActivated((name) => {
    if (name === 'wasm') registerWasmTrainingKernels();
  });
}
queueMicrotask(hook);
