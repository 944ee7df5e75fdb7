/**
 * Building the pieces a run needs from a resolved config: the classifier
 * (with or without its `pretrained` files), datasets and loaders with
 * mmcls's per-split loader settings, and the optimizer.
 */
import { MODELS } from '../../registry/root';
import type { ConfigNode } from '../../registry/registry';
import type { Container } from 'inversify';
import { createRootContainer, createRunnerContainer, runContext } from '../../di/container';
import type { ContainerRunContext } from '../../di/run-context';
import type { Logger } from '../logger';
// The data index registers every dataset and transform.
import { buildDataLoader, type DataLoader } from '../../data';
import { buildOptimizer, moduleKindsOf, type Optimizer, type OptimizerCfg } from '../../optim';
import type { DistContext, RunnerModel } from '../types';
import type { DataPreprocessor } from '../../contracts/model';

type Dict = Record<string, unknown>;

function isDict(v: unknown): v is Dict {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/**
 * A copy of a model config node with every `pretrained` file and
 * `init_cfg: {type: 'Pretrained'}` set to null (mmcls `init_model` skips them
 * when a checkpoint is given).
 */
export function withoutPretrained<T>(node: T): T {
  if (Array.isArray(node)) return node.map((x) => withoutPretrained(x)) as T;
  if (!isDict(node)) return node;
  const out: Dict = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'pretrained' && (typeof v === 'string' || isDict(v))) out[k] = null;
    else if (k === 'init_cfg' && isDict(v) && v.type === 'Pretrained') out[k] = null;
    else out[k] = withoutPretrained(v);
  }
  return out as T;
}

/** Builds `cfg.model`; with `loadPretrained` also runs `initWeights()` (which loads them). */
/**
 * A run's services (`ctx.services` of every component the run builds): a
 * child DI container with the run's logger, config and process group, so two
 * runs in one process share no mutable state; file IO and backend come from
 * the root. Ask it with `get(LOGGER)`, `get(DIST)`, ...
 */
export type RunServices = ContainerRunContext;

export function createRunServices(cfg: Dict, logger: Logger, root?: Container, dist?: DistContext): RunServices {
  const container = createRunnerContainer(root ?? createRootContainer({ logger, dist }), { config: cfg, logger, dist });
  return runContext(container);
}

/**
 * Builds `cfg.model`; with `loadPretrained` also runs `initWeights()` (which
 * loads them). `model.data_preprocessor` (a `MODELS` node such as
 * `{type: 'ClsDataPreprocessor', mean, std, to_rgb}`) is built beside the model
 * and set as its `dataPreprocessor`, so any classifier class takes one.
 */
export async function buildClassifier(cfg: Dict, opts: { loadPretrained: boolean; services?: RunServices }): Promise<RunnerModel> {
  if (!isDict(cfg.model)) throw new Error('config: `model` must be a config node like { type: "PoolingVitClassifier", ... }');
  const { data_preprocessor: dpNode, ...modelNode } = cfg.model;
  const node = opts.loadPretrained ? modelNode : withoutPretrained(modelNode);
  const model = MODELS.build<RunnerModel>(node as ConfigNode, { path: 'model', services: opts.services });
  for (const m of ['forwardTrain', 'simpleTest', 'namedParameters', 'stateDict', 'loadStateDict'] as const) {
    if (typeof (model as unknown as Dict)[m] !== 'function') {
      model.dispose?.();
      throw new Error(`model (${String(cfg.model.type)}): not a classifier, it has no ${m}()`);
    }
  }
  if (dpNode !== undefined && dpNode !== null) {
    if (!isDict(dpNode)) throw new Error('config: model.data_preprocessor must be a node like { type: "ClsDataPreprocessor", mean: [...], std: [...] }');
    const dp = MODELS.build<DataPreprocessor>(dpNode as ConfigNode, { path: 'model.data_preprocessor', services: opts.services });
    if (typeof dp.process !== 'function') throw new Error(`model.data_preprocessor (${String(dpNode.type)}): not a data preprocessor, it has no process()`);
    model.dataPreprocessor = dp;
  }
  if (opts.loadPretrained && model.initWeights) await model.initWeights();
  return model;
}

export type Split = 'train' | 'val' | 'test';

/** mmcls loader settings of a split: `data.samples_per_gpu` etc. overridden by `data.<split>_dataloader`. */
export function loaderSettings(data: Dict, split: Split): { samples_per_gpu: number; workers_per_gpu: number; shuffle: boolean; drop_last: boolean } {
  const base = {
    samples_per_gpu: data.samples_per_gpu as number,
    workers_per_gpu: (data.workers_per_gpu as number | undefined) ?? 0,
    shuffle: split === 'train',
    drop_last: false,
  };
  const over = (isDict(data[`${split}_dataloader`]) ? data[`${split}_dataloader`] : {}) as Dict;
  const s = { ...base, ...over } as typeof base;
  if (!Number.isInteger(s.samples_per_gpu) || s.samples_per_gpu < 1) {
    throw new Error(`config: data.samples_per_gpu must be a positive integer (got ${JSON.stringify(data.samples_per_gpu)})`);
  }
  return s;
}

/** The dataset node of a split; val/test get `test_mode: true` unless set (not on wrappers). */
export function datasetNode(data: Dict, split: Split): ConfigNode {
  const node = data[split];
  if (!isDict(node) || typeof node.type !== 'string') throw new Error(`config: data.${split} must be a dataset node with a 'type'`);
  const n = { ...node } as ConfigNode;
  const wrapper = 'dataset' in n || 'datasets' in n;
  if (split !== 'train' && !wrapper && n.test_mode === undefined) n.test_mode = true;
  return n;
}

export interface LoaderBuildOptions {
  seed: number;
  dist: DistContext;
  /** Plugin files the loader workers must import (the config's custom_imports). */
  imports?: string[];
  /** Override the worker count (e.g. 0 for in-process decoding). */
  workers?: number;
  /** The run's services, handed to the datasets and sampler built here. */
  services?: RunServices;
}

export function buildSplitLoader(cfg: Dict, split: Split, opts: LoaderBuildOptions, nodeOverride?: ConfigNode): DataLoader {
  const data = cfg.data as Dict;
  if (!isDict(data)) throw new Error('config: `data` is missing');
  const s = loaderSettings(data, split);
  return buildDataLoader(nodeOverride ?? datasetNode(data, split), {
    samples_per_gpu: s.samples_per_gpu,
    workers_per_gpu: opts.workers ?? s.workers_per_gpu,
    shuffle: s.shuffle,
    drop_last: s.drop_last,
    seed: opts.seed,
    dist: opts.dist.worldSize > 1 ? { rank: opts.dist.rank, worldSize: opts.dist.worldSize } : undefined,
    round_up: true,
    split,
    imports: opts.imports,
    // mmcls: `data.sampler` drives the training loader; val/test keep the default order
    sampler: split === 'train' && isDict(data.sampler) ? (data.sampler as ConfigNode) : undefined,
    sampler_path: 'data.sampler',
    services: opts.services,
  });
}

export function buildRunOptimizer(model: RunnerModel, cfg: Dict): Optimizer {
  if (!isDict(cfg.optimizer)) throw new Error('config: `optimizer` must be a node like { type: "SGD", lr: 0.01 }');
  const params = model.namedParameters().filter(([, v]) => v.trainable);
  return buildOptimizer(params, cfg.optimizer as OptimizerCfg, moduleKindsOf(model as Parameters<typeof moduleKindsOf>[0]), { path: 'optimizer' });
}
