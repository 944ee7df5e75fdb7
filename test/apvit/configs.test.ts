import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import { loadConfig } from '../../src/config';
import '@fer-mm/apvit';
import type { PoolingVitClassifier } from '@fer-mm/apvit';

const REPO = path.resolve(__dirname, '../..');

describe('APViT configs', () => {
  it('RAF.ts resolves to the official schedule (spec §8)', () => {
    const c = loadConfig(path.join(REPO, 'configs/apvit/RAF.ts'), { importCustomModules: false }).cfg as Record<string, any>;
    expect(c.optimizer).toEqual({
      type: 'SGD',
      lr: 1e-3,
      momentum: 0.9,
      weight_decay: 5e-4,
      paramwise_cfg: {
        custom_keys: {
          '.vit.pos_embed': { decay_mult: 0 },
          '.vit.patch_pos_embed_1': { decay_mult: 0 },
          '.vit.patch_pos_embed': { decay_mult: 0 },
          '.vit.cls_pos_embed': { decay_mult: 0 },
          '.vit.cls_token': { decay_mult: 0 },
        },
      },
    });
    expect(c.optimizer_config).toEqual({ grad_clip: { max_norm: 10, norm_type: 2 } });
    expect(c.lr_config).toEqual({ policy: 'CosineAnnealing', min_lr: 0 });
    expect(c.runner).toEqual({ type: 'EpochBasedRunner', max_epochs: 40 });
    expect(c.checkpoint_config).toEqual({ create_symlink: false, max_keep_ckpts: 1, interval: 100 });
    expect(c.evaluation).toEqual({ interval: 1, metric: ['accuracy', 'class_accuracy'] });
    expect(c.log_config).toEqual({ interval: 20, hooks: [{ type: 'TextLoggerHook' }, { type: 'TensorboardLoggerHook' }] });
    expect(c.workflow).toEqual([['train', 1]]);
    expect([c.data.samples_per_gpu, c.data.workers_per_gpu]).toEqual([128, 8]);
    expect([c.load_from, c.resume_from, c.log_level, c.dist_params]).toEqual([null, null, 'INFO', {}]);
    expect(c.model.vit.vit_pool_configs.keep_rates).toEqual([1, 1, 1, 1, 0.9, 0.9, 0.9, 0.9]);
  });

  it('demo.ts builds a small APViT (APP + ATP) for its input size', async () => {
    await initBackend('cpu');
    const config = loadConfig(path.join(REPO, 'configs/apvit/demo.ts'), { importCustomModules: false });
    expect(config.problems().filter((p) => p.path.startsWith('model'))).toEqual([]);
    const modelCfg = config.cfg.model as Record<string, unknown>;
    const vitCfg = modelCfg.vit as { patch_num: number; cnn_pool_config: { keep_num: number }; vit_pool_configs: { keep_rates: number[] } };
    const size = (modelCfg.extractor as { input_size: number[] }).input_size[0];
    // the stem keeps the size and each of the three IR stages halves it
    expect(vitCfg.patch_num).toBe((size / 8) ** 2);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    const model = MODELS.build<PoolingVitClassifier>(config.cfg.model as { type: string }, { path: 'model' });
    warn.mockRestore();
    try {
      const x = tf.randomNormal([2, size, size, 3]) as tf.Tensor4D;
      const y = tf.tensor1d([1, 5], 'int32');
      const out = model.forwardTrain(x, y);
      expect(out.ce_loss.dataSync()[0]).toBeCloseTo(Math.log(7), 5);
      // APP keeps keep_num; each block with rate r < 1 keeps trunc(n * r) of the n non-CLS tokens (+ CLS)
      const keep = vitCfg.cnn_pool_config.keep_num;
      expect(model.vit.lastTrace.app![0]).toHaveLength(keep);
      let n = keep;
      const expected = vitCfg.vit_pool_configs.keep_rates.map((r) => (r === 1 ? null : (n = Math.trunc(n * r)) + 1));
      expect(model.vit.lastTrace.atp.map((k) => (k ? k[0].length : null))).toEqual(expected);
      tf.dispose([x, y, out]);
    } finally {
      model.dispose();
    }
  });
});
