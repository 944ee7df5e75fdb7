/**
 * APViT on RAF-DB: the official `configs/apvit/RAF.py`, key for key.
 * IR-50 stages 1-3 (face.evoLVe weights) → 1×1 projection to 768 → APP keeps
 * 160 of 196 tokens → 8 ViT-S blocks with ATP (keep 0.9 in blocks 4-7) → CLS →
 * linear head. SGD lr 1e-3, cosine to 0 over 40 epochs, grad-norm clip 10.
 * Needs `weights/backbone_ir50_ms1m_epoch120.pth` and
 * `weights/vit_small_p16_224-15ec54c9.pth` for training from scratch (not for
 * testing/inference with a trained checkpoint). See docs/models/apvit.md.
 */
import { defineConfig } from 'fer-mm/config';

/**
 * The official `vit_small` dict without its `img_size: 112, patch_size: 16`:
 * PoolingViT takes CNN features, not image patches, so it never read them
 * (it logs them as "Unused kwargs" when a config passes them).
 */
export const vit_small = { embed_dim: 768, num_heads: 8, mlp_ratio: 3, qkv_bias: false, norm_layer_eps: 1e-6 };

export const num_stages = 3;

/**
 * As written in the official config. mmcv matches `key in '<prefix>.<name>'`
 * and the names are `vit.cls_token`, ..., so these leading-dot keys match
 * nothing: every parameter gets weight decay 5e-4 (spec §8). Kept verbatim.
 */
export const paramwise_cfg = {
  custom_keys: {
    '.vit.pos_embed': { decay_mult: 0.0 },
    '.vit.patch_pos_embed_1': { decay_mult: 0.0 },
    '.vit.patch_pos_embed': { decay_mult: 0.0 },
    '.vit.cls_pos_embed': { decay_mult: 0.0 },
    '.vit.cls_token': { decay_mult: 0.0 },
  },
};

export default defineConfig({
  _base_: ['fer-mm::_base_/datasets/RAF.ts', 'fer-mm::_base_/default_runtime.ts'],
  // the model's components come from the plugin package (configs deriving from this one inherit it)
  custom_imports: { imports: ['@fer-mm/apvit'] },
  model: {
    type: 'PoolingVitClassifier',
    extractor: {
      type: 'IRSE',
      input_size: [112, 112],
      num_layers: 50,
      pretrained: 'weights/backbone_ir50_ms1m_epoch120.pth',
      mode: 'ir',
      return_index: [2], // only the first 3 stages
      return_type: 'Tuple',
    },
    convert: null,
    vit: {
      type: 'PoolingViT',
      pretrained: 'weights/vit_small_p16_224-15ec54c9.pth',
      input_type: 'feature',
      patch_num: 196,
      in_channels: [256],
      attn_method: 'SUM_ABS_1',
      sum_batch_mean: false,
      cnn_pool_config: { keep_num: 160, exclude_first: false },
      vit_pool_configs: { keep_rates: [1, 1, 1, 1, 0.9, 0.9, 0.9, 0.9], exclude_first: true, attn_method: 'SUM' },
      depth: 8,
      ...vit_small,
    },
    head: {
      type: 'LinearClsHead',
      num_classes: 7,
      in_channels: 768,
      loss: { type: 'CrossEntropyLoss', loss_weight: 1.0 },
      topk: [1],
    },
  },
  data: {
    samples_per_gpu: 128, // per process; the README trains on 2 GPUs (total 256)
    workers_per_gpu: 8,
  },
  optimizer: { type: 'SGD', lr: 1e-3, momentum: 0.9, weight_decay: 5e-4, paramwise_cfg },
  optimizer_config: { grad_clip: { max_norm: 10.0, norm_type: 2 } },
  lr_config: { policy: 'CosineAnnealing', min_lr: 0.0 },
  log_config: { interval: 20 },
  // The next three come from the official _base_/datasets/RAF.py; restated here (same values)
  // so this config is complete whichever base carries them.
  workflow: [['train', 1]],
  // official train.py: convert_sync_batchnorm when distributed (used with --launcher only)
  sync_bn: true,
  checkpoint_config: { create_symlink: false, max_keep_ckpts: 1, interval: 100 },
  runner: { type: 'EpochBasedRunner', max_epochs: 40 },
});
