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
export * from './registry/registry';
export * from './registry/root';
export * from './registry/schema';
export { ConfigValidationError, formatProblems, validateConfig, type ConfigProblem } from './registry/validate';
// Schema builder for component arguments, so plugins need no dependency of their own.
export { Type, type Static, type TSchema } from '@sinclair/typebox';

// --- configs ---
export { defineConfig, type ConfigShape } from './config/define';

// --- Module, layers, weight init; tfjs; the seeded RNG transforms use ---
export * from './nn';
export { tf } from './tf';
export { Rng } from './utils/rng';

// --- hooks and their priorities ---
export { Hook, HOOK_STAGES, type HookStage, type CheckpointPayload, type TrainIterOutputs, type ValIterOutputs } from './runner/hook';
export * from './runner/priority';
export type { BaseRunner } from './runner/base-runner';

// --- contracts: logger, distributed context, batch/dataset, tensor data (state_dict entries),
//     services and their DI tokens, the model steps (one leaf module each, src/contracts) ---
export * from './contracts';
// inversify's decorators, so a component declares its services (`@inject(LOGGER)`) without its own inversify
export { inject, optional, ContainerModule } from 'inversify';

// --- the generic MMClassification model parts: ImageClassifier, heads, losses, necks, ViT layers ---
export * from './models';
