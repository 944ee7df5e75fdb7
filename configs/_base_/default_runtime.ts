/**
 * Runtime defaults, as the official APViT `configs/_base_/default_runtime.py`
 * (mmcls 0.x). That file leaves `checkpoint_config` and `workflow` commented
 * out; the APViT chain sets them in `_base_/datasets/RAF.py` instead.
 */
import { defineConfig } from 'fer-mm/config';

export default defineConfig({
  log_config: {
    interval: 500,
    hooks: [{ type: 'TextLoggerHook' }, { type: 'TensorboardLoggerHook' }],
  },
  dist_params: { backend: 'nccl' },
  log_level: 'INFO',
  load_from: null,
  resume_from: null,
});
