/**
 * `evaluateMetrics`: the body of mmcls 0.x `BaseDataset.evaluate` (plus the
 * APViT fork's `class_accuracy`). Each metric is a class registered in
 * METRICS, so plugins can add their own; the name in `metrics` is the
 * registered name.
 */
import { Type, type Static } from '@sinclair/typebox';
import { METRICS } from '../registry/root';
import { accuracy, classAccuracy, precisionRecallF1, support, type AverageMode } from './classification';
import { MetricError, toScoreMatrix, checkLabels, type LabelsInput, type ScoresInput } from './scores';

export type MetricResults = Record<string, number | number[]>;

export const MetricOptions = Type.Object(
  {
    topk: Type.Optional(
      Type.Union([Type.Integer({ minimum: 1 }), Type.Array(Type.Integer({ minimum: 1 }))], {
        description: 'k values of top-k accuracy; a list gives accuracy_top-<k> keys, a number the single key `accuracy` (default [1, 2], the APViT fork)',
      }),
    ),
    thrs: Type.Optional(
      Type.Union([Type.Number(), Type.Array(Type.Number())], { description: 'score thresholds; a list adds _thr_<t> key suffixes (default 0)' }),
    ),
    average_mode: Type.Optional(Type.Union([Type.Literal('macro'), Type.Literal('none')], { description: 'precision/recall/f1/support averaging' })),
  },
  { additionalProperties: false },
);
export type MetricOptions = Static<typeof MetricOptions>;

const OPTION_KEYS = ['topk', 'thrs', 'average_mode'];
export const DEFAULT_TOPK = [1, 2];

/** What every registered metric implements. */
export interface Metric {
  compute(scores: ScoresInput, labels: LabelsInput, classes?: string[]): MetricResults;
}

/** mmcls key suffix for a threshold: `_thr_0.50`. */
const thrKey = (t: number) => `_thr_${t.toFixed(2)}`;

function thrList(opts: MetricOptions): { thrs: number[]; tuple: boolean } {
  if (Array.isArray(opts.thrs)) return { thrs: opts.thrs, tuple: true };
  return { thrs: [opts.thrs ?? 0], tuple: false };
}

@METRICS.register({ name: 'accuracy', schema: MetricOptions, description: 'top-k accuracy in % (accuracy_top-<k>)' })
export class AccuracyMetric implements Metric {
  constructor(private readonly opts: MetricOptions = {}) {}
  compute(scores: ScoresInput, labels: LabelsInput): MetricResults {
    const topk = this.opts.topk ?? DEFAULT_TOPK;
    const ks = Array.isArray(topk) ? topk : [topk];
    const { thrs, tuple } = thrList(this.opts);
    const out: MetricResults = {};
    for (const t of thrs) {
      const acc = accuracy(scores, labels, ks, t);
      const suffix = tuple ? thrKey(t) : '';
      if (Array.isArray(topk)) ks.forEach((k, i) => (out[`accuracy_top-${k}${suffix}`] = acc[i]));
      else out[`accuracy${suffix}`] = acc[0];
    }
    return out;
  }
}

@METRICS.register({ name: 'class_accuracy', schema: MetricOptions, description: 'per-class accuracy (recall) in %, NaN for classes without samples' })
export class ClassAccuracyMetric implements Metric {
  constructor(_opts: MetricOptions = {}) {}
  compute(scores: ScoresInput, labels: LabelsInput, classes?: string[]): MetricResults {
    const v = classAccuracy(scores, labels);
    if (classes && classes.length !== v.length) throw new MetricError(`class_accuracy: ${classes.length} class names for ${v.length} score columns`);
    return { class_accuracy: v };
  }
}

abstract class PrfMetric implements Metric {
  protected abstract readonly key: 'precision' | 'recall' | 'f1_score';
  constructor(private readonly opts: MetricOptions = {}) {}
  compute(scores: ScoresInput, labels: LabelsInput): MetricResults {
    const { thrs, tuple } = thrList(this.opts);
    const out: MetricResults = {};
    for (const t of thrs) {
      const r = precisionRecallF1(scores, labels, (this.opts.average_mode ?? 'macro') as AverageMode, t);
      const v = this.key === 'precision' ? r.precision : this.key === 'recall' ? r.recall : r.f1Score;
      out[`${this.key}${tuple ? thrKey(t) : ''}`] = v;
    }
    return out;
  }
}

@METRICS.register({ name: 'precision', schema: MetricOptions, description: 'precision in % (macro or per class)' })
export class PrecisionMetric extends PrfMetric {
  protected readonly key = 'precision';
}
@METRICS.register({ name: 'recall', schema: MetricOptions, description: 'recall in % (macro or per class)' })
export class RecallMetric extends PrfMetric {
  protected readonly key = 'recall';
}
@METRICS.register({ name: 'f1_score', schema: MetricOptions, description: 'F1 score in % (macro or per class)' })
export class F1ScoreMetric extends PrfMetric {
  protected readonly key = 'f1_score';
}

@METRICS.register({ name: 'support', schema: MetricOptions, description: 'sample count (total for macro, per class for none)' })
export class SupportMetric implements Metric {
  constructor(private readonly opts: MetricOptions = {}) {}
  compute(scores: ScoresInput, labels: LabelsInput): MetricResults {
    return { support: support(scores, labels, (this.opts.average_mode ?? 'macro') as AverageMode) };
  }
}

/** Names `evaluateMetrics` accepts (every registered metric). */
export function availableMetrics(): string[] {
  return [...new Set(METRICS.listAll().map((e) => e.name))];
}

/**
 * Evaluates `metrics` over class scores and labels, returning one flat record
 * with mmcls key names (`accuracy_top-1`, `precision`, `class_accuracy`
 * (array in class order), `support`, ...). Unknown metric names and option
 * keys are errors that list the valid ones.
 */
export function evaluateMetrics(
  scores: ScoresInput,
  labels: LabelsInput,
  metrics: string | string[] = 'accuracy',
  metricOptions: MetricOptions = {},
  classes?: string[],
): MetricResults {
  const names = typeof metrics === 'string' ? [metrics] : metrics;
  const valid = availableMetrics();
  const unknown = names.filter((n) => !METRICS.get(n));
  if (unknown.length) throw new MetricError(`metric ${unknown.map((u) => `'${u}'`).join(', ')} is not supported; valid metrics: ${valid.join(', ')}`);
  for (const k of Object.keys(metricOptions ?? {})) {
    if (!OPTION_KEYS.includes(k)) throw new MetricError(`metric_options.${k}: unknown option (valid: ${OPTION_KEYS.join(', ')})`);
  }
  checkLabels(toScoreMatrix(scores), labels);
  const out: MetricResults = {};
  for (const name of names) {
    const entry = METRICS.get(name)!;
    const metric = new entry.cls(metricOptions ?? {}, { path: `metrics.${name}`, registry: entry.registry }) as Metric;
    if (typeof metric.compute !== 'function') throw new MetricError(`metric '${name}' has no compute() method`);
    Object.assign(out, metric.compute(scores, labels, classes));
  }
  return out;
}

/** Lines like the APViT fork prints for class_accuracy: `Neutral: \t87.5`. */
export function formatClassAccuracy(values: number[], classes?: string[]): string {
  return values.map((v, i) => `${classes?.[i] ?? i}: \t${v}`).join('\n');
}
