/**
 * Imported once by `backend.ts`: makes the wasm backend multi-threaded in
 * Node (must be in place before tfjs-backend-wasm is loaded) and registers our
 * wasm training kernels whenever the wasm backend is activated.
 */
import { onBackendActivated } from './activation';
import { registerWasmTrainingKernels } from './wasm-kernels';
import { installWasmThreads } from './wasm-threads';

installWasmThreads();

onBackendActivated((name) => {
  if (name === 'wasm') registerWasmTrainingKernels();
});
