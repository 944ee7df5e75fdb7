/**
 * Runtime defaults, as the official APViT `configs/_base_/default_runtime.py`
 * (mmcls 0.x). That file leaves `checkpoint_config` and `workflow` commented
 * out; the APViT chain sets them in `_base_/datasets/RAF.py` instead. `dist_params` names no
 * engine here (see below).
 */
import { defineConfig } from 'fer-mm/config';

export default defineConfig({
  log_config: {
    interval: 500,
    hooks: [{ type: 'TextLoggerHook' }, { type: 'TensorboardLoggerHook' }],
  },
  // The official file says backend 'nccl' (GPU). Left unset, multi-process runs use Gloo, or MPI when
  // MPI started the ranks (--launcher mpi, srun --mpi=pmix); set 'gloo' | 'mpi' to choose (docs/distributed.md).
  dist_params: {},
  log_level: 'INFO',
  load_from: null,
  resume_from: null,
});
