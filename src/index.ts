/**
 * Public API: everything a plugin or a tool needs is exported from here.
 */
import 'reflect-metadata';

export * from './registry/registry';
export * from './registry/root';
export * from './registry/schema';
export * from './utils/rng';
export * from './utils/suggest';
export * from './backend/backend';
export { tf } from './tf';

// --- checkpoints (.pth reader/writer, safetensors, our format, loading) ---
export * from './checkpoint';

// --- data: datasets, transforms, samplers, loader, image IO, demo data ---
export * from './data';

// --- optimizers, LR policies, metrics, TensorBoard writer, EMA ---
export * from './optim';
export * from './lr';
export * from './metrics';
export * from './logging/tensorboard';
export * from './utils/ema';

// --- framework core: validation, configs, DI services, plugin loading ---
export * from './registry/validate';
export * from './config';
export * from './di';
export * from './contracts';
export * from './plugins/loader';
// Schema builder for component arguments, so plugins need no deep import of their own.
export { Type, type Static, type TSchema } from '@sinclair/typebox';

// --- runner: runners, hooks, train/test/infer APIs ---
export * from './runner';
export * from './hooks';

// --- module layer (src/nn) and the APViT components ---
export * from './nn';
export {
  IRSE,
  IRSEArgs,
  BottleneckIR,
  SEModule,
  PoolingViT,
  PoolingViTArgs,
  PoolingBlock,
  PoolingAttention,
  Mlp,
  type PoolingTrace,
  LinearClsHead,
  LinearClsHeadArgs,
  CrossEntropyLoss,
  CrossEntropyLossArgs,
  PoolingVitClassifier,
  PoolingVitClassifierArgs,
  keepCount,
  topPoolIndices,
  topPoolIndicesTensor,
  gatherTokens,
  type TopPoolConfig,
} from '../plugins/apvit';

// --- fast wasm backend: training kernels, threads in Node, fused inference helpers ---
export { registerWasmTrainingKernels, wasmTrainingKernelsRegistered, WASM_TRAINING_KERNELS } from './backend/wasm-kernels';
export { configureWasmThreads, wasmThreadsInfo, installWasmThreads, type WasmThreadsArgs, type WasmThreadsInfo } from './backend/wasm-threads';
export {
  foldBatchNorm,
  torchToTfConvWeight,
  conv2dBiasPrelu,
  linear as fusedLinear,
  type BatchNormParams,
  type ConvWeightLayout,
  type FoldBatchNormArgs,
  type ConvBiasPreluArgs,
} from './nn/functional/fused';

// --- distributed data parallel: launchers, process group over zeromq, result collection ---
// (the class is exported as ZmqProcessGroup: `ProcessGroup` is the runner's DistContext type alias)
export * from './distributed/env';
export * from './distributed/errors';
export { ProcessGroup as ZmqProcessGroup, type ProcessGroupArgs } from './distributed/process-group';
export * from './distributed/tf-dist';
export * from './distributed/collect';
export * from './distributed/launcher';
export * from './distributed/init';
export * from './distributed/register';

// --- model-level speed: eval fast path switch and the derived-weight cache (nn speed helper) ---
export { setFastInference, fastInferenceEnabled, useFastPath, DerivedCache } from './nn/fast-inference';
