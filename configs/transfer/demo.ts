/**
 * A small TransFER for the bundled synthetic demo data
 * (`npx tsx tools/make-demo-data.ts data/demo`), sized like configs/apvit/demo.ts
 * to train on 2 CPU cores with the wasm backend: 56 px images, an IR stem + 3
 * one-unit stages of width 16/32/64 (7×7 = 49 tokens), 2 LANets with MAD, a
 * 4-block MSAD ViT of width 64 and a linear head. No pretrained files.
 */
import { defineConfig } from '../../src/config';
import { img_size, test_pipeline, train_pipeline } from '../apvit/demo';

const demo_root = 'data/demo/';
const demo_prefix = `${demo_root}Image/aligned`;

export default defineConfig({
  _base_: './RAF.ts',
  model: {
    extractor: { input_size: [img_size, img_size], pretrained: null, units: [1, 1, 1], widths: [16, 32, 64] },
    attention: { in_channels: 64, ratio: 8, num: 2 },
    convert: { in_channels: 64, embed_dim: 64 },
    vit: { pretrained: null, embed_dim: 64, num_heads: 4, mlp_ratio: 2, depth: 4, patch_num: 49 },
    head: { in_channels: 64 },
  },
  data: {
    samples_per_gpu: 32,
    workers_per_gpu: 2,
    train: { data_prefix: demo_prefix, ann_file: `${demo_root}EmoLabel/train.txt`, pipeline: train_pipeline },
    val: { data_prefix: demo_prefix, ann_file: `${demo_root}EmoLabel/test.txt`, pipeline: test_pipeline },
    test: { data_prefix: demo_prefix, ann_file: `${demo_root}EmoLabel/test.txt`, pipeline: test_pipeline },
  },
  optimizer: { lr: 0.02, weight_decay: 5e-4 },
  lr_config: { policy: 'CosineAnnealing', min_lr: 0, _delete_: true },
  runner: { max_epochs: 6 },
  log_config: { interval: 10 },
  checkpoint_config: { interval: 1 },
});
