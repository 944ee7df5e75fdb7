/**
 * Single-label classification metrics with mmcls 0.x semantics. All values
 * are percentages (0-100) except `support` (counts) and the confusion matrix.
 */
import { argmaxRow, checkLabels, MetricError, toScoreMatrix, topkRow, type LabelsInput, type ScoresInput } from './scores';

export type AverageMode = 'macro' | 'none';

/**
 * Top-k accuracy in % for each k (mmcls `accuracy`): a sample counts when its
 * label is among the k best classes AND that class's score is > `thr` (mmcls
 * default thr 0, so with raw logits a correct but non-positive score does not
 * count; softmax scores are always > 0). Ties: see `topkRow`.
 */
export function accuracy(scores: ScoresInput, labels: LabelsInput, topk: number[] = [1], thr = 0): number[] {
  const m = toScoreMatrix(scores);
  checkLabels(m, labels);
  const maxk = Math.max(...topk);
  if (!topk.every((k) => Number.isInteger(k) && k > 0)) throw new MetricError(`accuracy: topk must be positive integers (got ${JSON.stringify(topk)})`);
  if (maxk > m.c) throw new MetricError(`accuracy: topk ${maxk} exceeds the number of classes (${m.c})`);
  if (m.n === 0) throw new MetricError('accuracy: no samples');
  const correct = topk.map(() => 0);
  for (let i = 0; i < m.n; i++) {
    const top = topkRow(m, i, maxk);
    const rank = top.indexOf(labels[i]);
    if (rank < 0 || !(m.at(i, top[rank]) > thr)) continue;
    topk.forEach((k, t) => {
      if (rank < k) correct[t]++;
    });
  }
  return correct.map((c) => (c * 100) / m.n);
}

/**
 * Confusion matrix from arg-max predictions: `cm[gt][pred]` counts
 * (mmcls `calculate_confusion_matrix`; rows are ground truth).
 */
export function confusionMatrix(scores: ScoresInput, labels: LabelsInput): number[][] {
  const m = toScoreMatrix(scores);
  checkLabels(m, labels);
  const cm = Array.from({ length: m.c }, () => new Array<number>(m.c).fill(0));
  for (let i = 0; i < m.n; i++) cm[labels[i]][argmaxRow(m, i)]++;
  return cm;
}

/**
 * Per-class accuracy (recall) in %: diagonal / row sum of the confusion
 * matrix, as the APViT fork's `class_accuracy`. A class without samples
 * gives NaN (0/0), as there.
 */
export function classAccuracy(scores: ScoresInput, labels: LabelsInput): number[] {
  return confusionMatrix(scores, labels).map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return (row[i] / total) * 100;
  });
}

export interface PrecisionRecallF1 {
  precision: number | number[];
  recall: number | number[];
  f1Score: number | number[];
}

/**
 * mmcls `precision_recall_f1`: the arg-max class is the prediction, counted
 * as positive only when its score is > `thr` (default 0). Per class:
 * precision = TP / max(#pred, 1) * 100, recall = TP / max(#gt, 1) * 100,
 * f1 = 2PR / max(P + R, eps). `macro` averages over classes; `none` returns
 * per-class arrays.
 */
export function precisionRecallF1(scores: ScoresInput, labels: LabelsInput, averageMode: AverageMode = 'macro', thr = 0): PrecisionRecallF1 {
  if (averageMode !== 'macro' && averageMode !== 'none') throw new MetricError(`average_mode '${averageMode}' is not supported (macro, none)`);
  const m = toScoreMatrix(scores);
  checkLabels(m, labels);
  const tp = new Array<number>(m.c).fill(0);
  const predPos = new Array<number>(m.c).fill(0);
  const gtPos = new Array<number>(m.c).fill(0);
  for (let i = 0; i < m.n; i++) {
    const p = argmaxRow(m, i);
    gtPos[labels[i]]++;
    if (!(m.at(i, p) > thr)) continue;
    predPos[p]++;
    if (p === labels[i]) tp[p]++;
  }
  const FLT_EPS = 1.1920928955078125e-7; // torch.finfo(torch.float32).eps
  const precision = tp.map((t, j) => (t / Math.max(predPos[j], 1)) * 100);
  const recall = tp.map((t, j) => (t / Math.max(gtPos[j], 1)) * 100);
  const f1 = precision.map((p, j) => (2 * p * recall[j]) / Math.max(p + recall[j], FLT_EPS));
  if (averageMode === 'none') return { precision, recall, f1Score: f1 };
  const mean = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  return { precision: mean(precision), recall: mean(recall), f1Score: mean(f1) };
}

export function precision(scores: ScoresInput, labels: LabelsInput, averageMode: AverageMode = 'macro', thr = 0): number | number[] {
  return precisionRecallF1(scores, labels, averageMode, thr).precision;
}
export function recall(scores: ScoresInput, labels: LabelsInput, averageMode: AverageMode = 'macro', thr = 0): number | number[] {
  return precisionRecallF1(scores, labels, averageMode, thr).recall;
}
export function f1Score(scores: ScoresInput, labels: LabelsInput, averageMode: AverageMode = 'macro', thr = 0): number | number[] {
  return precisionRecallF1(scores, labels, averageMode, thr).f1Score;
}

/** mmcls `support`: samples per class (`none`) or their total (`macro`). */
export function support(scores: ScoresInput, labels: LabelsInput, averageMode: AverageMode = 'macro'): number | number[] {
  if (averageMode !== 'macro' && averageMode !== 'none') throw new MetricError(`average_mode '${averageMode}' is not supported (macro, none)`);
  const perClass = confusionMatrix(scores, labels).map((row) => row.reduce((a, b) => a + b, 0));
  return averageMode === 'none' ? perClass : perClass.reduce((a, b) => a + b, 0);
}
