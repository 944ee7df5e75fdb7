/**
 * Training kernels for the wasm backend, registered through tfjs's public
 * kernel registry (`registerKernel`). Kernels that exist in the stock backend
 * but are slow or wrong are replaced; the stock kernel function is kept and
 * called by the replacement where it is fast.
 */
import { tf } from '../../tf';
import { batchMatMulConfig } from './batch-matmul';
import { conv2DBackpropFilterConfig } from './conv2d-backprop-filter';
import { conv2DBackpropInputConfig } from './conv2d-backprop-input';
import { depthwiseConv2dNativeBackpropFilterConfig } from './depthwise-backprop-filter';
import { depthwiseConv2dNativeBackpropInputConfig } from './depthwise-backprop-input';
import { fusedMatMulConfig } from './fused-matmul';
import { gatherV2Config } from './gather-v2';
import { rememberStockKernel } from './kernel-utils';
import { maxPoolGradConfig } from './max-pool-grad';
import { sliceConfig, splitVConfig } from './slice';
import { unsortedSegmentSumConfig } from './unsorted-segment-sum';

export const WASM_TRAINING_KERNELS: readonly tf.KernelConfig[] = [
  batchMatMulConfig,
  conv2DBackpropFilterConfig,
  conv2DBackpropInputConfig,
  depthwiseConv2dNativeBackpropFilterConfig,
  depthwiseConv2dNativeBackpropInputConfig,
  unsortedSegmentSumConfig,
  gatherV2Config,
  fusedMatMulConfig,
  maxPoolGradConfig,
  sliceConfig,
  splitVConfig,
];

/**
 * Registers (or re-registers) our wasm kernels; idempotent. Returns the names
 * of the kernels that were newly installed. Call after the wasm backend has
 * been initialised (`initBackend('wasm')` does it through its activation hook).
 */
export function registerWasmTrainingKernels(): string[] {
  const installed: string[] = [];
  for (const cfg of WASM_TRAINING_KERNELS) {
    const existing = tf.getKernel(cfg.kernelName, 'wasm');
    if (existing && existing.kernelFunc === cfg.kernelFunc) continue;
    if (existing) {
      rememberStockKernel(cfg.kernelName, existing.kernelFunc as never);
      tf.unregisterKernel(cfg.kernelName, 'wasm');
    }
    // keep the stock setup (it binds the C function the stock kernel calls)
    tf.registerKernel(existing?.setupFunc ? { ...cfg, setupFunc: existing.setupFunc } : cfg);
    installed.push(cfg.kernelName);
  }
  return installed;
}

/** True when every kernel of {@link WASM_TRAINING_KERNELS} is ours. */
export function wasmTrainingKernelsRegistered(): boolean {
  return WASM_TRAINING_KERNELS.every((cfg) => tf.getKernel(cfg.kernelName, 'wasm')?.kernelFunc === cfg.kernelFunc);
}
