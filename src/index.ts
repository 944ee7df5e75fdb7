/**
 * The plugin SDK, the package root `fer-mm`: what a plugin needs to define and
 * register components: the registries and the schema builder, `Module` and the
 * layers, hooks and their priorities, the contracts components implement, and
 * the config and plugin helpers. The rest of the framework is in the subpath
 * entries: `fer-mm/runner`, `fer-mm/data`, `fer-mm/checkpoint`, `fer-mm/config`,
 * `fer-mm/distributed`, `fer-mm/backend`, `fer-mm/hooks`, `fer-mm/optim`,
 * `fer-mm/lr`, `fer-mm/metrics`, `fer-mm/nn`, `fer-mm/di`.
 */
import 'reflect-metadata';

// --- registries, component references, config validation ---
export * from './registry/registry';
export * from './registry/root';
export * from './registry/schema';
export { ConfigValidationError, formatProblems, validateConfig, type ConfigProblem } from './registry/validate';
// Schema builder for component arguments, so plugins need no dependency of their own.
export { Type, type Static, type TSchema } from '@sinclair/typebox';

// --- configs and plugin loading ---
export { defineConfig, type ConfigShape } from './config/define';
export * from './plugins/loader';

// --- Module, layers, weight init; tfjs; the seeded RNG transforms use ---
export * from './nn';
export { tf } from './tf';
export { Rng } from './utils/rng';
// tensors as plain data (state_dict entries), for weight remaps
export { isTensorData, toFloat32, fromFloat32, type TensorData, type TensorDType } from './checkpoint/tensor-data';

// --- hooks and their priorities ---
export { Hook, HOOK_STAGES, type HookStage, type CheckpointPayload } from './runner/hook';
export * from './runner/priority';
export type { BaseRunner } from './runner/base-runner';

// --- contracts: what the runner asks of a model, a dataset, a loader; the run's services ---
export type { RunnerModel, DataBatch, DataLoaderLike, DatasetLike as RunnerDatasetLike, DistContext as ProcessGroup, OptimizerLike, LoadReportLike } from './runner/types';
export type { Transform, Results, Batch, DatasetLike, ImageArray, ImageLayout } from './data/types';
export { TOKENS, type Logger, type LogLevel, type FileIO, type DistContext, type BackendService } from './di/tokens';
export type { Logger as RunLogger } from './runner/logger';

// --- the generic MMClassification model parts: ImageClassifier, heads, losses, necks, ViT layers ---
export * from './models';

// Importing `fer-mm` registers every built-in component (datasets, transforms, hooks,
// runners, optimizers, ...), as `import mmcls` does. A require, not an import: it keeps
// their declarations, and the Node typings some of them need, out of the SDK's .d.ts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
require('./builtins');
