/**
 * Classification metrics (mmcls 0.x semantics), registered in METRICS, and
 * the confusion-matrix renderers. `evaluateMetrics(scores, labels, ['accuracy',
 * 'class_accuracy'], { topk: [1, 2] }, CLASSES)` is what a dataset's
 * `evaluate` needs; `saveConfusionMatrixPng(file, confusionMatrix(scores,
 * labels), CLASSES)` is `tools/test.ts --show-confusion`.
 */
export * from './scores';
export * from './classification';
export * from './evaluate';
export * from './confusion-png';
