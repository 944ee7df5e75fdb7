/**
 * Dataset.evaluate for single-label classification: mmcls
 * BaseDataset.evaluate plus the APViT `class_accuracy`, computed by
 * `evaluateMetrics` from src/metrics (keys `accuracy_top-1`, `precision`, ...).
 */
import type { MetricOptions } from '../../metrics/evaluate';



type EvaluateMetrics = (
  scores: Float32Array[],
  labels: Int32Array,
  metrics: string | string[],
  metricOptions: MetricOptions,
  classes?: string[],
) => Record<string, number | number[]>;

/** Evaluates class scores (one Float32Array per sample, dataset order) against the dataset's labels. */
export function evaluateScores(
  results: Float32Array[],
  gtLabels: Int32Array,
  metrics: string | string[] = 'accuracy',
  options: MetricOptions = {},
  datasetName = 'dataset',
  classes?: string[],
): Record<string, number | number[]> {
  if (results.length !== gtLabels.length) {
    throw new Error(`${datasetName}.evaluate: got ${results.length} results for ${gtLabels.length} samples (results must be in dataset order)`);
  }
  // Required lazily so loading data does not pull in the metrics registry.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { evaluateMetrics } = require('../../metrics') as { evaluateMetrics: EvaluateMetrics };
  return evaluateMetrics(results, gtLabels, metrics, options ?? {}, classes);
}
