/**
 * DataLoader: batches of `samples_per_gpu` in sampler order, decoded ahead of
 * time by `workers_per_gpu` worker threads (or in-process with 0 workers).
 * Every sample's randomness comes from Rng.derive(seed, epoch, index), so the
 * batches are identical for any number of workers.
 */
import type { Container } from 'inversify';
import * as path from 'path';
import { Worker } from 'worker_threads';
import 'sharp'; // load libvips on the main thread first, as sharp recommends for worker use
import { DATASETS, SAMPLERS } from '../registry/root';
import type { ConfigNode } from '../registry/registry';
import { Rng } from '../utils/rng';
import { DefaultSampler, DistributedSampler, type Sampler } from './sampler';
import { loadBatch } from './load-batch';
import type { Batch, DatasetLike } from './types';

export interface DataLoaderOptions {
  /** The dataset, built in this process (gives length; decodes when workers = 0). */
  dataset?: DatasetLike;
  /** Its config node; required for workers > 0 (workers rebuild the dataset from it). */
  datasetCfg?: ConfigNode;
  /** Modules each worker requires before building (plugins registering components). Absolute paths or package names. */
  imports?: string[];
  samplesPerGpu: number;
  workersPerGpu?: number;
  shuffle?: boolean;
  dropLast?: boolean;
  seed?: number;
  /** Replaces the default sampler (e.g. a DistributedSampler). */
  sampler?: Sampler;
  /** Batches in flight per worker (default 2). */
  prefetchFactor?: number;
}

/** The modules a worker always loads: the argument validator (defaults, checks) and the data package. */
export const DEFAULT_WORKER_IMPORTS = [path.resolve(__dirname, '../registry/validate'), path.resolve(__dirname, 'index')];

interface Pending {
  resolve: (b: Batch | null) => void;
  reject: (e: Error) => void;
}

class WorkerHandle {
  readonly worker: Worker;
  readonly ready: Promise<void>;
  private pending = new Map<number, Pending>();
  private dead: Error | null = null;
  constructor(datasetCfg: ConfigNode, imports: string[], readonly index: number) {
    this.worker = new Worker(path.resolve(__dirname, 'worker-entry.js'), { workerData: { datasetCfg, imports } });
    this.worker.unref();
    let onReady: () => void;
    let onFail: (e: Error) => void;
    this.ready = new Promise<void>((res, rej) => ((onReady = res), (onFail = rej)));
    this.ready.catch(() => undefined);
    this.worker.on('message', (m: { type: string; id?: number; batch?: Batch | null; error?: string; stack?: string }) => {
      if (m.type === 'ready') return onReady();
      if (m.type === 'fatal') {
        const e = new Error(`data worker ${index} failed to build the dataset: ${m.error}`);
        this.fail(e);
        return onFail(e);
      }
      const p = this.pending.get(m.id!);
      if (!p) return;
      this.pending.delete(m.id!);
      if (this.pending.size === 0) this.worker.unref();
      if (m.type === 'batch') p.resolve(m.batch ?? null);
      else {
        const e = new Error(m.error);
        if (m.stack) e.stack = m.stack;
        p.reject(e);
      }
    });
    this.worker.on('error', (e) => {
      this.fail(new Error(`data worker ${index} crashed: ${e.message}`));
      onFail(e);
    });
    this.worker.on('exit', (code) => {
      if (!this.dead) this.fail(new Error(`data worker ${index} exited (code ${code})`));
      onFail(new Error(`data worker ${index} exited`));
    });
  }
  private fail(e: Error) {
    this.dead = e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }
  request(id: number, indices: number[], epoch: number, seed: number): Promise<Batch | null> {
    if (this.dead) return Promise.reject(this.dead);
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.ref();
      this.worker.postMessage({ id, indices, epoch, seed });
    });
  }
  async terminate() {
    this.dead = this.dead ?? new Error('data loader closed');
    for (const p of this.pending.values()) p.reject(this.dead);
    this.pending.clear();
    await this.worker.terminate();
  }
}

function isCloneable(v: unknown, p: string): void {
  if (typeof v === 'function') throw new Error(`DataLoader: ${p} is a function/class; workers need a plain config (use registered type names, or workers_per_gpu: 0)`);
  if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) isCloneable(x, `${p}.${k}`);
}

export class DataLoader implements AsyncIterable<Batch> {
  readonly dataset: DatasetLike;
  readonly sampler: Sampler;
  readonly batchSize: number;
  readonly numWorkers: number;
  readonly dropLast: boolean;
  readonly seed: number;
  readonly prefetch: number;
  private workers: WorkerHandle[] = [];
  private nextId = 0;
  private closed = false;
  private readonly datasetCfg?: ConfigNode;
  private readonly imports: string[];

  constructor(opts: DataLoaderOptions) {
    if (!Number.isInteger(opts.samplesPerGpu) || opts.samplesPerGpu < 1) throw new Error(`DataLoader: samples_per_gpu must be a positive integer, got ${opts.samplesPerGpu}`);
    this.datasetCfg = opts.datasetCfg;
    this.imports = [...DEFAULT_WORKER_IMPORTS, ...(opts.imports ?? [])];
    this.dataset = opts.dataset ?? DATASETS.build<DatasetLike>(requireCfg(opts.datasetCfg), { path: 'data.dataset' });
    this.batchSize = opts.samplesPerGpu;
    this.numWorkers = opts.workersPerGpu ?? 0;
    this.dropLast = opts.dropLast ?? false;
    this.seed = opts.seed ?? 0;
    this.sampler = opts.sampler ?? new DefaultSampler({ dataset: this.dataset, shuffle: opts.shuffle ?? false, seed: this.seed });
    this.prefetch = Math.max(1, this.numWorkers) * (opts.prefetchFactor ?? 2);
    if (this.numWorkers > 0) {
      if (!this.datasetCfg) throw new Error('DataLoader: workers_per_gpu > 0 needs the dataset config node (datasetCfg)');
      isCloneable(this.datasetCfg, 'dataset');
    }
  }

  /** Batches per epoch. */
  get length(): number {
    const n = this.sampler.length;
    return this.dropLast ? Math.floor(n / this.batchSize) : Math.ceil(n / this.batchSize);
  }
  get epoch(): number {
    return this.sampler.epoch;
  }
  setEpoch(epoch: number): void {
    this.sampler.setEpoch(epoch);
  }

  private startWorkers(): WorkerHandle[] {
    if (this.workers.length === 0) {
      for (let i = 0; i < this.numWorkers; i++) this.workers.push(new WorkerHandle(this.datasetCfg!, this.imports, i));
    }
    return this.workers;
  }

  /** The index lists of this epoch's batches. */
  batchIndices(): number[][] {
    const idx = this.sampler.indices();
    const out: number[][] = [];
    for (let i = 0; i < idx.length; i += this.batchSize) {
      const b = idx.slice(i, i + this.batchSize);
      if (b.length < this.batchSize && this.dropLast) break;
      out.push(b);
    }
    return out;
  }

  private load(indices: number[], epoch: number, k: number): Promise<Batch | null> {
    if (this.numWorkers === 0) return loadBatch(this.dataset, indices, (i) => Rng.derive(this.seed, epoch, i));
    const w = this.workers[k % this.workers.length];
    return w.ready.then(() => w.request(this.nextId++, indices, epoch, this.seed));
  }

  async *[Symbol.asyncIterator](): AsyncIterator<Batch> {
    if (this.closed) throw new Error('DataLoader: iterated after close()');
    if (this.numWorkers > 0) this.startWorkers();
    const epoch = this.sampler.epoch;
    const batches = this.batchIndices();
    const queue: Array<Promise<Batch | null>> = [];
    let next = 0;
    const fill = () => {
      while (queue.length < this.prefetch && next < batches.length) {
        const p = this.load(batches[next], epoch, next);
        p.catch(() => undefined); // surfaced when awaited
        queue.push(p);
        next++;
      }
    };
    fill();
    while (queue.length) {
      const b = await queue.shift()!;
      fill();
      if (b) yield b;
    }
  }

  /** Terminates the workers; the loader cannot be iterated afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const ws = this.workers;
    this.workers = [];
    await Promise.all(ws.map((w) => w.terminate()));
  }
}

function requireCfg(cfg: ConfigNode | undefined): ConfigNode {
  if (!cfg) throw new Error('DataLoader: give `dataset` or `datasetCfg`');
  return cfg;
}

export interface BuildDataLoaderOptions {
  samples_per_gpu: number;
  workers_per_gpu?: number;
  shuffle?: boolean;
  drop_last?: boolean;
  seed?: number;
  /** Distributed: this process's rank and the world size (uses DistributedSampler). */
  dist?: { rank: number; worldSize: number };
  round_up?: boolean;
  imports?: string[];
  prefetch_factor?: number;
  /** Which split this is (`train`, `val`, `test`), for messages; an empty dataset is an error naming it. */
  split?: string;
  /**
   * A `SAMPLERS` node (the config's `data.sampler`), e.g. `{type: 'DistributedSampler', shuffle: false}`
   * or a registered custom sampler; the loader fills in dataset, num_replicas, rank, seed and shuffle
   * where the sampler's schema takes them and the node does not set them.
   */
  sampler?: ConfigNode | null;
  /** Config path of `sampler` in messages (default `data.sampler`). */
  sampler_path?: string;
  /** The run's DI container: the dataset and sampler are built through it (loader workers have none). */
  container?: Container;
}

/** Builds the sampler node of the config with the loader's defaults (mmcls build_dataloader's `sampler_cfg`). */
export function buildSampler(node: ConfigNode, defaults: Record<string, unknown>, where = 'data.sampler', container?: Container): Sampler {
  if (!node || typeof node !== 'object' || typeof node.type !== 'string') {
    throw new Error(`${where}.type: a sampler node needs a registered sampler name in 'type' (got ${JSON.stringify(node)})`);
  }
  const entry = SAMPLERS.scopeFor(node._scope_, where).resolve(node.type, where);
  const props = (entry.schema as { properties?: Record<string, unknown>; additionalProperties?: unknown } | undefined);
  const takes = (k: string) => !props || !props.properties || k in props.properties || props.additionalProperties !== false;
  const defaultArgs: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(defaults)) if (takes(k)) defaultArgs[k] = v;
  const sampler = SAMPLERS.build<Sampler>(node, { path: where, defaultArgs, container });
  for (const m of ['indices', 'setEpoch'] as const) {
    if (typeof (sampler as unknown as Record<string, unknown>)[m] !== 'function') throw new Error(`${where} (${node.type}): not a sampler, it has no ${m}()`);
  }
  return sampler;
}

/** Where a dataset node reads its samples from: its ann_file, else its data_prefix (looking through wrappers). */
export function datasetSource(node: unknown): string {
  const parts: string[] = [];
  const walk = (n: unknown, depth: number): void => {
    if (!n || typeof n !== 'object' || depth > 8) return;
    const o = n as Record<string, unknown>;
    if (typeof o.ann_file === 'string') parts.push(`annotation file ${o.ann_file}`);
    else if (typeof o.data_prefix === 'string') parts.push(`folder ${o.data_prefix}`);
    walk(o.dataset, depth + 1);
    if (Array.isArray(o.datasets)) for (const d of o.datasets) walk(d, depth + 1);
  };
  walk(node, 0);
  return parts.join(', ') || 'its source';
}

/**
 * mmcls build_dataloader: builds the dataset from its config node (or takes a
 * built one) and the loader; with `dist`, a DistributedSampler shards it.
 */
export function buildDataLoader(dataset: ConfigNode | DatasetLike, opts: BuildDataLoaderOptions): DataLoader {
  const isNode = typeof (dataset as DatasetLike).getItem !== 'function';
  const where = opts.split ? `data.${opts.split}` : 'data.dataset';
  const ds = isNode ? DATASETS.build<DatasetLike>(dataset as ConfigNode, { path: where, container: opts.container }) : (dataset as DatasetLike);
  // Caught here, not later as a schedule or metric error that hides the cause.
  if (ds.length === 0) {
    const from = isNode ? datasetSource(dataset) : ((ds as { name?: string }).name ?? 'its source');
    throw new Error(`${where}: the ${opts.split ?? ''}${opts.split ? ' ' : ''}dataset is empty: no samples in ${from}`);
  }
  const shuffle = opts.shuffle ?? true;
  const sampler = opts.sampler
    ? buildSampler(opts.sampler, { dataset: ds, num_replicas: opts.dist?.worldSize ?? 1, rank: opts.dist?.rank ?? 0, shuffle, round_up: opts.round_up ?? true, seed: opts.seed ?? 0 }, opts.sampler_path, opts.container)
    : opts.dist
    ? new DistributedSampler({ dataset: ds, num_replicas: opts.dist.worldSize, rank: opts.dist.rank, shuffle, round_up: opts.round_up ?? true, seed: opts.seed ?? 0 })
    : undefined;
  return new DataLoader({
    dataset: ds,
    datasetCfg: isNode ? (dataset as ConfigNode) : undefined,
    imports: opts.imports,
    samplesPerGpu: opts.samples_per_gpu,
    workersPerGpu: isNode ? opts.workers_per_gpu ?? 0 : 0,
    shuffle,
    dropLast: opts.drop_last ?? false,
    seed: opts.seed ?? 0,
    sampler,
    prefetchFactor: opts.prefetch_factor,
  });
}
