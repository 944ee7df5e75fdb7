/** The `custom_imports` + `model` + `data` part of a tiny config the tool tests run as subprocesses. */
import * as path from 'path';

const ROOT = path.resolve(__dirname, '../..');

/**
 * ToyClassifier on a generated RAF-layout set in `dataDir` (test split for val
 * and test), batch 7, no loader workers. `trainAug` goes between decoding and
 * normalisation in the train pipeline.
 */
export function toyToolConfig(dataDir: string, trainAug: object[] = []) {
  const norm = { type: 'Normalize', mean: [128, 128, 128], std: [64, 64, 64], to_rgb: true };
  const testPipe = [{ type: 'LoadImageFromFile' }, norm, { type: 'ImageToTensor', keys: ['img'] }, { type: 'Collect', keys: ['img'] }];
  const split = (ann: string, pipeline: unknown[]) => ({ type: 'RAF', data_prefix: path.join(dataDir, 'Image/aligned'), ann_file: path.join(dataDir, 'EmoLabel', ann), pipeline });
  return {
    custom_imports: { imports: [path.join(ROOT, 'test/harness/toy-plugin.ts')] },
    model: { type: 'ToyClassifier', num_classes: 7, pretrained: null },
    data: {
      samples_per_gpu: 7,
      workers_per_gpu: 0,
      train: split('train.txt', [
        { type: 'LoadImageFromFile' },
        ...trainAug,
        norm,
        { type: 'ImageToTensor', keys: ['img'] },
        { type: 'ToTensor', keys: ['gt_label'] },
        { type: 'Collect', keys: ['img', 'gt_label'] },
      ]),
      val: split('test.txt', testPipe),
      test: split('test.txt', testPipe),
    },
  };
}

/** One epoch of the tools' toy classifier on the generated set in `dataDir`, a checkpoint at its end. */
export function toyTrainConfig(dataDir: string, optimizer: object = { type: 'SGD', lr: 0.1 }) {
  return {
    ...toyToolConfig(dataDir),
    optimizer,
    optimizer_config: {},
    lr_config: { policy: 'fixed' },
    runner: { type: 'EpochBasedRunner', max_epochs: 1 },
    checkpoint_config: { interval: 1 },
    log_config: { interval: 1, hooks: [{ type: 'TextLoggerHook' }] },
    workflow: [['train', 1]],
  };
}
