/**
 * Score matrices: the per-sample class scores the test loop collects, either
 * one Float32Array per sample or one flat row-major array plus the class count.
 */

export type ScoresInput = ArrayLike<number>[] | { data: ArrayLike<number>; numClasses: number };
export type LabelsInput = Int32Array | ArrayLike<number>;

/** A validated N x C matrix (row-major). */
export interface ScoreMatrix {
  n: number;
  c: number;
  /** Score of sample i, class j. */
  at(i: number, j: number): number;
}

export class MetricError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MetricError';
  }
}

export function toScoreMatrix(scores: ScoresInput): ScoreMatrix {
  if (Array.isArray(scores)) {
    const n = scores.length;
    const c = n ? scores[0].length : 0;
    scores.forEach((r, i) => {
      if (r.length !== c) throw new MetricError(`scores[${i}] has ${r.length} classes, scores[0] has ${c}`);
    });
    return { n, c, at: (i, j) => scores[i][j] };
  }
  const s = scores as { data: ArrayLike<number>; numClasses: number };
  if (!s || !s.data || !(s.numClasses > 0) || s.data.length % s.numClasses !== 0) {
    throw new MetricError(`scores: a flat array needs numClasses > 0 dividing its length (got length ${s?.data?.length}, numClasses ${s?.numClasses})`);
  }
  const c = s.numClasses;
  return { n: s.data.length / c, c, at: (i, j) => s.data[i * c + j] };
}

/** Checks labels against the matrix: same count, integers in [0, C). */
export function checkLabels(m: ScoreMatrix, labels: LabelsInput): ArrayLike<number> {
  if (labels.length !== m.n) throw new MetricError(`got ${m.n} score rows but ${labels.length} labels`);
  for (let i = 0; i < labels.length; i++) {
    const l = labels[i];
    if (!Number.isInteger(l) || l < 0 || l >= m.c) throw new MetricError(`labels[${i}] = ${l} is not a class index in [0, ${m.c})`);
  }
  return labels;
}

/**
 * Indices of the k highest scores of row i, highest first. Ties go to the
 * LOWER class index (like torch.argmax and CPU torch.topk in practice; mmcls's
 * numpy path leaves tie order unspecified).
 */
export function topkRow(m: ScoreMatrix, i: number, k: number): number[] {
  const idx = Array.from({ length: m.c }, (_, j) => j);
  idx.sort((a, b) => m.at(i, b) - m.at(i, a) || a - b);
  return idx.slice(0, k);
}

/** Arg-max of row i (first maximum wins). */
export function argmaxRow(m: ScoreMatrix, i: number): number {
  let best = 0;
  for (let j = 1; j < m.c; j++) if (m.at(i, j) > m.at(i, best)) best = j;
  return best;
}
