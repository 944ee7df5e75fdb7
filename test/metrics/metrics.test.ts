/** Metrics against values worked out by hand (see the table in the comments). */
import {
  accuracy,
  classAccuracy,
  confusionMatrix,
  precisionRecallF1,
  support,
  evaluateMetrics,
  availableMetrics,
  formatClassAccuracy,
  formatConfusionMatrix,
} from '../../src/metrics';

// sample: scores            label  argmax  top-2 (ties -> lower index)
// s0: [0.7, 0.2, 0.1]        0      0       0,1
// s1: [0.1, 0.6, 0.3]        2      1       1,2
// s2: [0.2, 0.3, 0.5]        2      2       2,1
// s3: [0.3, 0.4, 0.3]        0      1       1,0   (tie 0/2)
// s4: [0.1, 0.8, 0.1]        1      1       1,0
// s5: [0.5, 0.25, 0.25]      2      0       0,1   (tie 1/2)
const ROWS = [
  [0.7, 0.2, 0.1],
  [0.1, 0.6, 0.3],
  [0.2, 0.3, 0.5],
  [0.3, 0.4, 0.3],
  [0.1, 0.8, 0.1],
  [0.5, 0.25, 0.25],
];
const scores = ROWS.map((r) => Float32Array.from(r));
const flat = { data: Float32Array.from(ROWS.flat()), numClasses: 3 };
const labels = Int32Array.from([0, 2, 2, 0, 1, 2]);
const CLASSES = ['Neutral', 'Happy', 'Sad'];

describe('accuracy', () => {
  it('top-1 / top-2 in %, ties to the lower class index', () => {
    const [t1, t2] = accuracy(scores, labels, [1, 2]);
    expect(t1).toBeCloseTo(50, 10); // s0, s2, s4
    expect(t2).toBeCloseTo((5 / 6) * 100, 10); // all but s5
    expect(accuracy(flat, labels, [2, 1])).toEqual(accuracy(scores, labels, [2, 1]));
  });
  it('only scores above the threshold count (mmcls thrs)', () => {
    const [t1, t2] = accuracy(scores, labels, [1, 2], 0.55);
    expect(t1).toBeCloseTo((2 / 6) * 100, 10); // s0 0.7, s4 0.8
    expect(t2).toBeCloseTo((2 / 6) * 100, 10);
    // Default thr 0: a correct class with a non-positive score does not count.
    expect(accuracy([Float32Array.from([-1, -2])], [0])).toEqual([0]);
  });
  it('rejects bad input', () => {
    expect(() => accuracy(scores, labels, [4])).toThrow(/topk 4 exceeds the number of classes \(3\)/);
    expect(() => accuracy(scores, [0, 1], [1])).toThrow(/6 score rows but 2 labels/);
    expect(() => accuracy(scores, [0, 1, 2, 3, 0, 0])).toThrow(/labels\[3\] = 3/);
    expect(() => accuracy([Float32Array.from([1, 2]), Float32Array.from([1])], [0, 0])).toThrow(/scores\[1\] has 1 classes/);
  });
});

describe('confusion matrix and per-class metrics', () => {
  it('confusion matrix (rows ground truth, columns prediction)', () => {
    expect(confusionMatrix(scores, labels)).toEqual([
      [1, 1, 0],
      [0, 1, 0],
      [1, 1, 1],
    ]);
    expect(formatConfusionMatrix(confusionMatrix(scores, labels), CLASSES).split('\n')[3]).toMatch(/Sad\s+1\s+1\s+1$/);
  });
  it('class accuracy = diagonal / row sum, NaN for an empty class', () => {
    const ca = classAccuracy(scores, labels);
    expect(ca[0]).toBeCloseTo(50, 10);
    expect(ca[1]).toBeCloseTo(100, 10);
    expect(ca[2]).toBeCloseTo(100 / 3, 10);
    expect(classAccuracy([Float32Array.from([0.9, 0.1])], [0])[1]).toBeNaN();
    expect(formatClassAccuracy([50, 100], ['a', 'b'])).toBe('a: \t50\nb: \t100');
  });
  it('precision / recall / f1 (macro and none)', () => {
    // TP [1,1,1]; predicted [2,3,1]; ground truth [2,1,3]
    const none = precisionRecallF1(scores, labels, 'none');
    expect(none.precision as number[]).toEqual([50, 100 / 3, 100].map((v) => expect.closeTo(v, 10)));
    expect(none.recall as number[]).toEqual([50, 100, 100 / 3].map((v) => expect.closeTo(v, 10)));
    expect(none.f1Score as number[]).toEqual([50, 50, 50].map((v) => expect.closeTo(v, 10)));
    const macro = precisionRecallF1(scores, labels);
    expect(macro.precision as number).toBeCloseTo(550 / 9, 10);
    expect(macro.recall as number).toBeCloseTo(550 / 9, 10);
    expect(macro.f1Score as number).toBeCloseTo(50, 10);
  });
  it('threshold: predictions with max score <= thr are not positive', () => {
    // positives: s0 -> 0, s1 -> 1, s4 -> 1; TP [1,1,0]; predicted [1,2,0]
    const r = precisionRecallF1(scores, labels, 'none', 0.55);
    expect(r.precision as number[]).toEqual([100, 50, 0].map((v) => expect.closeTo(v, 10)));
    expect(r.recall as number[]).toEqual([50, 100, 0].map((v) => expect.closeTo(v, 10)));
    expect(r.f1Score as number[]).toEqual([200 / 3, 200 / 3, 0].map((v) => expect.closeTo(v, 10)));
  });
  it('support: total (macro) or per class (none)', () => {
    expect(support(scores, labels)).toBe(6);
    expect(support(scores, labels, 'none')).toEqual([2, 1, 3]);
    expect(() => support(scores, labels, 'micro' as never)).toThrow(/average_mode 'micro'/);
  });
});

describe('evaluateMetrics (mmcls BaseDataset.evaluate keys)', () => {
  it('returns flat mmcls keys, default topk (1, 2)', () => {
    const r = evaluateMetrics(scores, labels, ['accuracy', 'class_accuracy', 'precision', 'recall', 'f1_score', 'support'], {}, CLASSES);
    expect(Object.keys(r).sort()).toEqual(['accuracy_top-1', 'accuracy_top-2', 'class_accuracy', 'f1_score', 'precision', 'recall', 'support']);
    expect(r['accuracy_top-1']).toBeCloseTo(50, 10);
    expect(r['accuracy_top-2']).toBeCloseTo(500 / 6, 10);
    expect((r.class_accuracy as number[]).length).toBe(3);
    expect(r.f1_score).toBeCloseTo(50, 10);
    expect(r.support).toBe(6);
  });
  it('topk as a number gives the key `accuracy`; thrs lists add _thr_ suffixes', () => {
    expect(evaluateMetrics(scores, labels, 'accuracy', { topk: 1 })).toEqual({ accuracy: 50 });
    const r = evaluateMetrics(scores, labels, ['accuracy', 'precision'], { topk: [1], thrs: [0, 0.55] });
    expect(Object.keys(r).sort()).toEqual(['accuracy_top-1_thr_0.00', 'accuracy_top-1_thr_0.55', 'precision_thr_0.00', 'precision_thr_0.55']);
    expect(r['precision_thr_0.55']).toBeCloseTo(50, 10);
    expect(evaluateMetrics(scores, labels, ['recall'], { average_mode: 'none' }).recall).toHaveLength(3);
  });
  it('names the valid metrics and options on error', () => {
    expect(availableMetrics()).toEqual(expect.arrayContaining(['accuracy', 'class_accuracy', 'precision', 'recall', 'f1_score', 'support']));
    expect(() => evaluateMetrics(scores, labels, ['accuracy', 'mAP'])).toThrow(/'mAP' is not supported; valid metrics: .*accuracy.*f1_score/);
    expect(() => evaluateMetrics(scores, labels, 'accuracy', { top_k: 1 } as never)).toThrow(/metric_options\.top_k: unknown option/);
    expect(() => evaluateMetrics(scores, labels, 'class_accuracy', {}, ['a', 'b'])).toThrow(/2 class names for 3/);
  });
});
