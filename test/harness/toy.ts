/**
 * The toy harness every runner and hook test starts from (mmengine's
 * RunnerTestCase idea): a tiny Module-based linear classifier, a toy dataset
 * of separable Gaussian blobs as 2x2x2 "images", an in-memory loader with a
 * seeded per-epoch shuffle, and a factory for a ready runner in a temp dir.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Module } from '../../src/nn/module';
import { buildOptimizer, type OptimizerCfg } from '../../src/optim';
import { tf } from '../../src/tf';
import { Rng } from '../../src/utils/rng';
import { EpochBasedRunner } from '../../src/runner/epoch-based-runner';
import { IterBasedRunner } from '../../src/runner/iter-based-runner';
import { Logger } from '../../src/runner/logger';
import type { DataLoaderLike } from '../../src/runner/types';
import type { Batch, EvalDataset as DatasetLike } from '../../src/contracts/data';
import { BaseClassifier } from '../../src/models/base-classifier';
import type { BaseRunnerArgs } from '../../src/runner/base-runner';

export const TOY_SHAPE = [2, 2, 2] as const; // H, W, C
const D = TOY_SHAPE[0] * TOY_SHAPE[1] * TOY_SHAPE[2];

/** logits = x W^T + b over the flattened image; cross-entropy loss. */
export class ToyModel extends BaseClassifier {
  override readonly CLASSES: string[];
  readonly fc: ToyLinear;
  constructor(numClasses = 3, seed = 1) {
    super();
    this.CLASSES = Array.from({ length: numClasses }, (_, i) => `c${i}`);
    this.fc = this.registerModule('fc', new ToyLinear(D, numClasses, seed));
  }
  logits(img: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => img.reshape([img.shape[0], D]).matMul(this.fc.weight, false, true).add(this.fc.bias) as tf.Tensor2D);
  }
  forwardTrain(img: tf.Tensor4D, gtLabel: tf.Tensor1D): Record<string, tf.Scalar> {
    const logits = this.logits(img);
    const onehot = tf.oneHot(gtLabel, this.CLASSES.length);
    const loss = tf.losses.softmaxCrossEntropy(onehot, logits) as tf.Scalar;
    // A log value without 'loss' in its key: must not enter the gradient.
    const acc = logits.argMax(1).equal(gtLabel).mean() as tf.Scalar;
    return { loss, acc };
  }
  simpleTest(img: tf.Tensor4D): tf.Tensor2D {
    return tf.tidy(() => tf.softmax(this.logits(img)));
  }
}

export class ToyLinear extends Module {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  constructor(inF: number, outF: number, seed: number) {
    super();
    const rng = new Rng(seed);
    const w = Float32Array.from({ length: inF * outF }, () => rng.uniform(-0.3, 0.3));
    this.weight = this.registerParameter('weight', tf.tensor2d(w, [outF, inF]));
    this.bias = this.registerParameter('bias', tf.zeros([outF]));
  }
}

/** Separable blobs: class c centred at a fixed random point, unit-ish noise. */
export class ToyDataset implements DatasetLike {
  readonly CLASSES: string[];
  readonly images: Float32Array[];
  readonly labels: Int32Array;
  readonly name = 'ToyDataset';
  constructor(readonly length = 24, numClasses = 3, seed = 7, noise = 0.3) {
    this.CLASSES = Array.from({ length: numClasses }, (_, i) => `c${i}`);
    const rng = new Rng(seed);
    const centres = Array.from({ length: numClasses }, () => Float32Array.from({ length: D }, () => rng.uniform(-1, 1)));
    this.labels = Int32Array.from({ length }, (_, i) => i % numClasses);
    this.images = Array.from({ length }, (_, i) => Float32Array.from(centres[this.labels[i]], (v) => v + noise * rng.normal()));
  }
  gtLabels(): Int32Array {
    return this.labels;
  }
  getAnnInfo(i: number) {
    return { gt_label: this.labels[i] };
  }
  classCounts(): number[] {
    const c = new Array(this.CLASSES.length).fill(0);
    for (const l of this.labels) c[l]++;
    return c;
  }
  /** accuracy (top-1, in %) and, on request, per-class accuracy. */
  evaluate(results: Float32Array[], metrics: string | string[] = 'accuracy'): Record<string, number | number[]> {
    const ms = Array.isArray(metrics) ? metrics : [metrics];
    const pred = results.map((s) => s.indexOf(Math.max(...s)));
    const out: Record<string, number | number[]> = {};
    if (ms.includes('accuracy')) out['accuracy_top-1'] = (100 * pred.filter((p, i) => p === this.labels[i]).length) / pred.length;
    if (ms.includes('class_accuracy')) {
      out.class_accuracy = this.CLASSES.map((_, c) => {
        const idx = pred.map((_, i) => i).filter((i) => this.labels[i] === c);
        return (100 * idx.filter((i) => pred[i] === c).length) / Math.max(1, idx.length);
      });
    }
    if (ms.includes('neg_loss')) out.neg_loss = -results.reduce((s, r, i) => s - Math.log(r[this.labels[i]] + 1e-12), 0) / results.length;
    return out;
  }
}

/** In-memory loader; the shuffle is a function of (seed, epoch) set by the sampler. */
export class ToyLoader implements DataLoaderLike {
  epoch = 0;
  readonly sampler = { setEpoch: (e: number) => (this.epoch = e) };
  /** Epochs whose order was requested, for assertions. */
  readonly epochsSeen: number[] = [];
  constructor(
    readonly dataset: ToyDataset,
    readonly batchSize = 4,
    readonly shuffle = true,
    readonly seed = 0,
  ) {}
  get length(): number {
    return Math.ceil(this.dataset.length / this.batchSize);
  }
  order(): number[] {
    const idx = Array.from({ length: this.dataset.length }, (_, i) => i);
    return this.shuffle ? new Rng([this.seed, this.epoch]).shuffle(idx) : idx;
  }
  *[Symbol.iterator](): Iterator<Batch> {
    this.epochsSeen.push(this.epoch);
    const order = this.order();
    for (let s = 0; s < order.length; s += this.batchSize) {
      const ids = order.slice(s, s + this.batchSize);
      const data = new Float32Array(ids.length * D);
      ids.forEach((id, k) => data.set(this.dataset.images[id], k * D));
      yield {
        img: { data, shape: [ids.length, ...TOY_SHAPE] },
        gt_label: Int32Array.from(ids, (i) => this.dataset.labels[i]),
        indices: ids,
        img_metas: ids.map(() => ({})),
      };
    }
  }
}

export function tmpWorkDir(tag = 'runner'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `fer-mm-${tag}-`));
}

/** A logger that keeps lines in memory (and prints nothing). */
export function memoryLogger(): Logger & { lines: string[] } {
  const lg = new Logger({ name: 'toy' }) as Logger & { lines: string[] };
  lg.lines = [];
  lg.sink = (line) => lg.lines.push(line);
  return lg;
}

export interface ToyRunnerOptions extends Partial<BaseRunnerArgs> {
  iterBased?: boolean;
  lr?: number;
  momentum?: number;
  datasetSize?: number;
  batchSize?: number;
  modelSeed?: number;
}

/** Model + optimizer + runner ready for hooks; returns the parts too. */
export function makeToyRunner(opts: ToyRunnerOptions = {}) {
  const model = new ToyModel(3, opts.modelSeed ?? 1);
  const optimizer = buildOptimizer(model.namedParameters(), { type: 'SGD', lr: opts.lr ?? 0.1, momentum: opts.momentum ?? 0.9, weight_decay: 1e-4 } as OptimizerCfg);
  const workDir = opts.workDir ?? tmpWorkDir();
  const logger = opts.logger ?? memoryLogger();
  const args: BaseRunnerArgs = {
    model,
    optimizer,
    workDir,
    logger,
    timestamp: opts.timestamp ?? '20260101_000000',
    meta: opts.meta,
    seed: opts.seed,
    dist: opts.dist,
    ...(opts.iterBased ? { maxIters: opts.maxIters ?? 12 } : { maxEpochs: opts.maxEpochs ?? 3 }),
  };
  const runner = opts.iterBased ? new IterBasedRunner(args) : new EpochBasedRunner(args);
  const dataset = new ToyDataset(opts.datasetSize ?? 24);
  const loader = new ToyLoader(dataset, opts.batchSize ?? 4);
  return { runner, model, optimizer, dataset, loader, workDir, logger: logger as Logger & { lines: string[] } };
}

/** Every variable of the model as plain arrays (for exact comparisons). */
export function weightsOf(model: Module): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (const [k, v] of model.stateDict()) out[k] = Array.from(v.dataSync());
  return out;
}
