/**
 * Building the pieces a run needs from a resolved config: the model (with or
 * without its `pretrained` files), datasets and loaders with mmcls's
 * per-split loader settings, and the optimizer. Everything is built through
 * the run's DI container, so components get the run's services.
 */
import type { Container } from 'inversify';
import { MODELS } from '../../registry/root';
import type { ConfigNode } from '../../registry/registry';
import type { RunConfig } from '../../config/root-schema';
import { createRootContainer, createRunnerContainer } from '../../di/container';
import type { Logger } from '../logger';
// The data index registers every dataset and transform.
import { buildDataLoader, type DataLoader } from '../../data';
import { buildOptimizer, moduleKindsOf, type Optimizer } from '../../optim';
import type { DistContext } from '../../contracts/dist';
import type { Model } from '../../contracts/model';
import { isDict, type Dict } from '../../utils/dict';

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

/**
 * A run's container: a child of `root` (default: a fresh root) with the run's
 * logger and process group, so two runs in one process share no mutable
 * state; file IO and what plugins bound come from the root.
 */
export function createRunContainer(logger: Logger, root?: Container, dist?: DistContext): Container {
  return createRunnerContainer(root ?? createRootContainer({ logger, dist }), { logger, dist });
}

/**
 * Builds `cfg.model` through the run's container; the model's own schema takes
 * `data_preprocessor`, built first and handed to its constructor. With
 * `loadPretrained` also runs `initWeights()` (which loads the `pretrained` files).
 */
export async function buildModel(cfg: RunConfig, opts: { loadPretrained: boolean; container?: Container }): Promise<Model> {
  if (!cfg.model) throw new Error('config: `model` must be a config node like { type: "PoolingVitClassifier", ... }');
  const node = opts.loadPretrained ? cfg.model : withoutPretrained(cfg.model);
  const model = MODELS.build<Model>(node, { path: 'model', container: opts.container });
  const missing = (['trainStep', 'valStep', 'testStep', 'namedParameters', 'stateDict', 'loadStateDict'] as const).filter((m) => typeof model[m] !== 'function');
  if (missing.length) {
    model.dispose?.();
    throw new Error(`model (${String(cfg.model.type)}): not a model, it has no ${missing.map((m) => `${m}()`).join(', ')} (see docs/contracts.md, "The model")`);
  }
  if (opts.loadPretrained && model.initWeights) await model.initWeights();
  return model;
}

export type Split = 'train' | 'val' | 'test';
type DataCfg = NonNullable<RunConfig['data']>;

/** mmcls loader settings of a split: `data.samples_per_gpu` etc. overridden by `data.<split>_dataloader`. */
export function loaderSettings(data: DataCfg, split: Split): { samples_per_gpu: number; workers_per_gpu: number; shuffle: boolean; drop_last: boolean } {
  const s = { samples_per_gpu: data.samples_per_gpu, workers_per_gpu: data.workers_per_gpu ?? 0, shuffle: split === 'train', drop_last: false, ...data[`${split}_dataloader`] };
  if (!Number.isInteger(s.samples_per_gpu) || s.samples_per_gpu < 1) {
    throw new Error(`config: data.samples_per_gpu must be a positive integer (got ${JSON.stringify(data.samples_per_gpu)})`);
  }
  return s;
}

/** The dataset node of a split; val/test get `test_mode: true` unless set (not on wrappers). */
export function datasetNode(data: DataCfg, split: Split): ConfigNode {
  const node = data[split];
  if (!isDict(node) || typeof node.type !== 'string') throw new Error(`config: data.${split} must be a dataset node with a 'type'`);
  const n = { ...node };
  const wrapper = 'dataset' in n || 'datasets' in n;
  if (split !== 'train' && !wrapper && n.test_mode === undefined) n.test_mode = true;
  return n;
}

/** `cfg.data`, or an error naming it. */
export function dataCfg(cfg: RunConfig): DataCfg {
  if (!isDict(cfg.data)) throw new Error('config: `data` is missing');
  return cfg.data;
}

export interface LoaderBuildOptions {
  seed: number;
  dist: DistContext;
  /** Plugin files the loader workers must import (the config's custom_imports). */
  imports?: string[];
  /** Override the worker count (e.g. 0 for in-process decoding). */
  workers?: number;
  /** The run's container: the datasets and sampler are built through it. */
  container?: Container;
}

export function buildSplitLoader(cfg: RunConfig, split: Split, opts: LoaderBuildOptions, nodeOverride?: ConfigNode): DataLoader {
  const data = dataCfg(cfg);
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
    sampler: split === 'train' && isDict(data.sampler) ? data.sampler : undefined,
    sampler_path: 'data.sampler',
    container: opts.container,
  });
}

export function buildRunOptimizer(model: Model, cfg: RunConfig): Optimizer {
  if (!isDict(cfg.optimizer)) throw new Error('config: `optimizer` must be a node like { type: "SGD", lr: 0.01 }');
  const params = model.namedParameters().filter(([, v]) => v.trainable);
  const kinds = moduleKindsOf({ namedModules: (prefix?: string) => model.namedModules?.(prefix) ?? [] });
  return buildOptimizer(params, { ...cfg.optimizer, type: String(cfg.optimizer.type) }, kinds, { path: 'optimizer' });
}
