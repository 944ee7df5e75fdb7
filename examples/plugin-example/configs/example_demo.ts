/**
 * The APViT demo (the configs/demo.ts that @fer-mm/apvit ships) with this
 * plugin's head, neck and hook swapped in. The base is named by package (found
 * from this file's folder, as in a project that installed @fer-mm/apvit);
 * relative `custom_imports` paths are relative to this file.
 *
 *   npx tsx tools/train.ts examples/plugin-example/configs/example_demo.ts
 */
import { defineConfig } from 'fer-mm';

/** Feature width PoolingViT hands the head: `model.vit.embed_dim` of the base config. */
const EMBED_DIM = 64;

export default defineConfig({
  _base_: '@fer-mm/apvit/configs/demo.ts',
  // Imported before the config is validated or built: the base's APViT package (a list replaces the
  // inherited one, so it is named again) and this plugin, which registers the `example.*` components.
  custom_imports: { imports: ['@fer-mm/apvit', '../index.ts'], allow_failed_imports: false },
  model: {
    head: {
      // Replace the inherited LinearClsHead node instead of merging into it.
      _delete_: true,
      type: 'example.MLPClsHead',
      num_classes: 7,
      in_channels: EMBED_DIM,
      hidden_channels: 128,
      dropout: 0.1,
      neck: { type: 'example.ResidualMLPNeck', in_channels: EMBED_DIM, mlp_ratio: 2, drop_rate: 0.0 },
      loss: { type: 'CrossEntropyLoss', loss_weight: 1.0 },
    },
  },
  // custom_hooks entries are HOOKS nodes built by the runner; they run at NORMAL priority unless
  // told otherwise, and this one must run before the OptimizerHook (ABOVE_NORMAL) frees the gradients.
  custom_hooks: [{ type: 'example.GradNormHook', priority: 'HIGH', interval: 10 }],
});
