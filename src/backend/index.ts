/** Compute backends (`fer-mm/backend`): selection, the wasm training kernels and threads. */
export * from './backend';
export { registerWasmTrainingKernels, wasmTrainingKernelsRegistered, WASM_TRAINING_KERNELS } from './wasm-kernels';
export { configureWasmThreads, wasmThreadsInfo, installWasmThreads, type WasmThreadsArgs, type WasmThreadsInfo } from './wasm-threads';
