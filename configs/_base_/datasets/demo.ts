/**
 * The generated demo data (`npx tsx tools/make-demo-data.ts data/demo`) with
 * the official RAF pipelines. Balanced classes, so the training set is used
 * directly: ClassBalancedDataset would repeat every image twice
 * (f = 1/7 < 0.15 gives ceil(sqrt(0.15 * 7)) = 2) and only slow an epoch down.
 */
import { defineConfig } from 'fer-mm/config';
import { test_pipeline, train_pipeline } from './RAF';

export const demo_root = 'data/demo/';
export const demo_prefix = `${demo_root}Image/aligned`;

export default defineConfig({
  _base_: './RAF.ts',
  data: {
    samples_per_gpu: 32,
    workers_per_gpu: 2,
    train: {
      _delete_: true,
      type: 'RAF',
      data_prefix: demo_prefix,
      ann_file: `${demo_root}EmoLabel/train.txt`,
      pipeline: train_pipeline,
    },
    val: { data_prefix: demo_prefix, ann_file: `${demo_root}EmoLabel/test.txt`, pipeline: test_pipeline },
    test: { data_prefix: demo_prefix, ann_file: `${demo_root}EmoLabel/test.txt`, pipeline: test_pipeline },
  },
});
