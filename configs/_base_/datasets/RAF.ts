/**
 * RAF-DB basic, as the official APViT config (configs/_base_/datasets/RAF.py):
 * class-balanced training set, 112x112 crops, the full augmentation pipeline.
 * Derived configs can import the named values below, or read the merged
 * base with `readBase(__dirname, '../_base_/datasets/RAF.ts')`.
 */
import { defineConfig } from 'fer-mm/config';

export const dataset_type = 'RAF';
export const img_norm_cfg = { mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], to_rgb: true };

export const train_pipeline = [
  { type: 'LoadImageFromFile' },
  { type: 'RandomRotate', prob: 0.5, degree: 6 },
  { type: 'RandomResizedCrop', size: 112, scale: [0.8, 1.0], ratio: [1.0, 1.0] },
  { type: 'RandomFlip', flip_prob: 0.5, direction: 'horizontal' },
  { type: 'RandomGrayscale', gray_prob: 0.2 },
  {
    type: 'RandomAppliedTrans',
    transforms: [{ type: 'ColorJitter', brightness: 0.4, contrast: 0.4, saturation: 0.4, hue: 0.1 }],
    p: 0.8,
  },
  { type: 'Normalize', ...img_norm_cfg },
  { type: 'RandomErasing', p: 0.5, scale: [0.02, 0.33], ratio: [0.3, 3.3], value: 'random' },
  { type: 'ImageToTensor', keys: ['img'] },
  { type: 'ToTensor', keys: ['gt_label'] },
  { type: 'Collect', keys: ['img', 'gt_label'] },
];

export const test_pipeline = [
  { type: 'LoadImageFromFile' },
  { type: 'Resize', size: 112 },
  { type: 'Normalize', ...img_norm_cfg },
  { type: 'ImageToTensor', keys: ['img'] },
  { type: 'Collect', keys: ['img'] },
];

export const base_path = 'data/RAF-DB/basic/';
export const image_path = `${base_path}Image/aligned_224`;

export default defineConfig({
  data: {
    samples_per_gpu: 128,
    workers_per_gpu: 8,
    train: {
      type: 'ClassBalancedDataset',
      oversample_thr: 0.15,
      method: 'sqrt',
      dataset: {
        type: dataset_type,
        data_prefix: image_path,
        ann_file: `${base_path}EmoLabel/train.txt`,
        pipeline: train_pipeline,
      },
    },
    val: {
      type: dataset_type,
      data_prefix: image_path,
      ann_file: `${base_path}EmoLabel/test.txt`,
      pipeline: test_pipeline,
    },
    test: {
      type: dataset_type,
      data_prefix: image_path,
      ann_file: `${base_path}EmoLabel/test.txt`,
      pipeline: test_pipeline,
    },
  },
  evaluation: { interval: 1, metric: ['accuracy', 'class_accuracy'] },
  lr_config: {},
});
