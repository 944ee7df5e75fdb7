/**
 * `testModel`: the mmcls 0.x `tools/test.py` job. Builds the classifier
 * without its `pretrained` files, loads a checkpoint (ours or an official
 * `.pth`), predicts the test split in dataset order and evaluates the metrics.
 */
import { SingleProcessDist } from '../dist';
import { testModelScores } from '../inference';
import { Logger } from '../logger';
import type { DistContext } from '../../contracts/dist';
import type { Model } from '../../contracts/model';
import { buildModel, buildSplitLoader, createRunContainer, type Split } from './build';
import { loadWeights, type LoadWeightsOptions } from './load-weights';
import type { LoadedConfig } from './train';
import type { RunConfig } from '../../config/root-schema';
import { loadRunConfig } from './cli';


export interface TestOptions {
  /** Metric names for the dataset's evaluate (`--metrics`). */
  metrics?: string[];
  /** `--metric-options`, e.g. `{ topk: [1, 2] }`. */
  metricOptions?: Record<string, unknown>;
  dist?: DistContext;
  logger?: Logger;
  /** Which split to predict (default 'test'). */
  split?: Split;
  progress?: boolean;
  /** Override the loader worker count. */
  workers?: number;
  /** Fail when model parameters are missing or mis-shaped in the checkpoint (default true; `--no-strict`). */
  strict?: boolean;
}

export interface TestResult {
  model: Model;
  /** Class names: the checkpoint's meta, else the dataset's. */
  CLASSES: string[];
  /** Softmax scores per sample, dataset order. */
  classScores: Float32Array[];
  predLabel: number[];
  predScore: number[];
  predClass: string[];
  gtLabels?: Int32Array;
  metrics: Record<string, number | number[]>;
  checkpointMeta: Record<string, unknown>;
}

/** Argmax label and score of each row. */
export function predictions(scores: Float32Array[], classes: string[]): { predLabel: number[]; predScore: number[]; predClass: string[] } {
  const predLabel: number[] = [];
  const predScore: number[] = [];
  for (const s of scores) {
    let best = 0;
    for (let i = 1; i < s.length; i++) if (s[i] > s[best]) best = i;
    predLabel.push(best);
    predScore.push(s[best]);
  }
  return { predLabel, predScore, predClass: predLabel.map((l) => classes[l] ?? String(l)) };
}

/** What {@link initModel} returns: the model in eval mode, the checkpoint meta and the config (for `inferenceModel`). */
export interface InitializedModel {
  model: Model;
  meta: Record<string, unknown>;
  cfg: RunConfig;
}

/**
 * mmcls `init_model`: builds the model of `config` (a config file or its
 * loaded dict) once, without its `pretrained` files, and loads `checkpoint`
 * into it, strictly unless `strict: false` (see loadWeights).
 */
export async function initModel(
  config: RunConfig | string,
  checkpoint: string,
  logger: Logger = new Logger(),
  opts: LoadWeightsOptions = {},
): Promise<InitializedModel> {
  const cfg = typeof config === 'string' ? loadRunConfig(config, undefined, logger).cfg : config;
  const model = await buildModel(cfg, { loadPretrained: false, container: createRunContainer(logger) });
  try {
    const { meta } = await loadWeights(model, checkpoint, logger, opts);
    model.eval();
    return { model, meta, cfg };
  } catch (e) {
    model.dispose?.();
    throw e;
  }
}

export async function testModel(config: LoadedConfig, checkpoint: string, opts: TestOptions = {}): Promise<TestResult> {
  const cfg = config.cfg;
  const dist = opts.dist ?? new SingleProcessDist();
  const logger = opts.logger ?? new Logger({ rank: dist.rank });
  const { model, meta } = await initModel(cfg, checkpoint, logger, { strict: opts.strict });
  const split = opts.split ?? 'test';
  const container = createRunContainer(logger, undefined, dist);
  const loader = buildSplitLoader(cfg, split, { seed: 0, dist, imports: (config.plugins ?? []).map((p) => p.file), workers: opts.workers, container });
  try {
    const ds = loader.dataset;
    const classScores = await testModelScores(model, loader, dist, { logger, progress: opts.progress, size: ds.length, label: split });
    const CLASSES = Array.isArray(meta.CLASSES) ? (meta.CLASSES as string[]) : ds.CLASSES;
    let metrics: Record<string, number | number[]> = {};
    if (opts.metrics && opts.metrics.length) metrics = await ds.evaluate(classScores, opts.metrics, opts.metricOptions ?? {});
    const gtLabels = typeof ds.gtLabels === 'function' ? ds.gtLabels() : undefined;
    return { model, CLASSES, classScores, ...predictions(classScores, CLASSES), gtLabels, metrics, checkpointMeta: meta };
  } finally {
    await loader.close();
  }
}
