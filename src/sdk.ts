/**
 * The plugin SDK without Node: everything `fer-mm` exports except the plugin
 * loader, and without registering the built-in components (datasets, hooks,
 * runners: Node code). Browser bundles resolve `fer-mm` to this module (the
 * `browser` condition of the package's exports map, and `ferMmBrowser()` for
 * Vite), so a plugin's model code runs in a web page unchanged.
 */
// The one import of the Reflect metadata API, at the package entry (src/index.ts re-exports
// this module; browser bundles resolve `fer-mm` here): inversify's decorators record what a
// class injects with it. Tokens are always named (`@inject(LOGGER)`): esbuild and tsx emit no
// type metadata, so emitDecoratorMetadata stays off.
import 'reflect-metadata';

// --- registries, component references, config validation ---
export {
  Registry,
  RegistryError,
  withPluginSource,
  declareRootRegistry,
  registerServices,
  serviceOf,
  injectField,
  type BuildContext,
  type BuildOptions,
  type ComponentClass,
  type ConfigNode,
  type RegisterOptions,
} from './registry/registry';
export { MODELS, DATASETS, TRANSFORMS, SAMPLERS, HOOKS, OPTIMIZERS, LR_SCHEDULES, METRICS, RUNNERS } from './registry/root';
export { Component, type ComponentRefOptions } from './registry/schema';
export { ConfigValidationError, formatProblems, validateConfig, type ConfigProblem } from './registry/validate';
// Schema builder for component arguments, so plugins need no dependency of their own.
export { Type, type Static, type TSchema } from '@sinclair/typebox';

// --- configs ---
export { defineConfig, type ConfigShape } from './config/define';

// --- Module, the layers plugins build on, weight init; tfjs; the seeded RNG transforms use ---
export {
  Module,
  type TensorLayer,
  formatLoadReport,
  Linear,
  Conv2d,
  BatchNorm2d,
  LayerNorm,
  ReLU,
  PReLU,
  GELU,
  Sigmoid,
  Dropout,
  DropPath,
  Identity,
  MaxPool2d,
  AdaptiveAvgPool2d,
  Sequential,
  ModuleList,
  assignInit,
  truncNormal,
  xavierUniform,
  kaimingUniform,
  batchToDevice,
} from './nn';
export { tf } from './tf';
export { Rng } from './utils/rng';

// --- hooks and their priorities ---
export { Hook, HOOK_STAGES, type HookStage, type CheckpointPayload, type TrainIterOutputs, type ValIterOutputs } from './runner/hook';
export { Priority, HookPriorityProp, type PriorityLike } from './runner/priority';
export type { BaseRunner } from './runner/base-runner';

// --- contracts (src/contracts, one leaf module each; docs/contracts.md) ---
export { normalizeLevel, type Logger, type LogLevel } from './contracts/logger';
export { isMaster, type DistContext, type DistInfo, type DistModel } from './contracts/dist';
export type { Batch, DatasetLike, EvalDataset, Results, ImageArray, Transform } from './contracts/data';
export type { Model, DataPreprocessor, DeviceBatch, LossDict, LoadReport } from './contracts/model';
export { makeTensorData, isTensorData, toFloat32, fromFloat32, type TensorData, type TensorDType } from './contracts/tensor-data';
export { LOGGER, DIST, FILE_IO, type ServiceToken, type FileIO, type FileData } from './contracts/services';
// inversify's decorators, so a component declares its services (`@inject(LOGGER)`) without its own inversify
export { inject, optional, ContainerModule } from 'inversify';

// --- the generic MMClassification model parts: classifiers, heads, losses, necks, ViT layers ---
export {
  BaseClassifier,
  DataPreprocessorProp,
  ImageClassifier,
  ImageClassifierArgs,
  ClsHead,
  LinearClsHead,
  CrossEntropyLoss,
  GlobalAveragePooling,
  topkAccuracy,
  Mlp,
  Attention,
  Block,
  stochasticDepthRates,
  posDropRate,
  remapTimmVit,
  resizeGridBilinear,
  unwrapStateDict,
  readPretrainedFile,
  vitBlockProperties,
  vitBlockArgs,
  timmInitWeights,
  withDefaults,
  logInfo,
  logWarn,
  type AttentionArgs,
  type AttentionLayer,
  type AttentionOptions,
  type BlockArgs,
  type BlockOptions,
  type MlpArgs,
  type VitBlockFields,
} from './models';
