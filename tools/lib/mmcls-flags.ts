/**
 * mmcls 0.x flags that scripts and muscle memory pass to train/test. Each is
 * accepted; the ones that can act here do (device -> backend, gpu id ->
 * CUDA_VISIBLE_DEVICES, local rank -> LOCAL_RANK), the others log once what
 * happens instead.
 */
import { Option, type Command } from 'commander';
import type { Logger } from '../../src/runner/logger';

export const LAUNCHER_HELP = 'none | multi-gpu | pytorch | slurm | mpi (pytorch/slurm/mpi read RANK, WORLD_SIZE, ... from the environment)';

export interface DeviceOpts {
  device?: string;
  backend?: string;
  gpuId?: string;
  gpuIds?: string[];
  local_rank?: string;
  localRank?: string;
  launcher?: string;
}

/** `--device`, `--gpu-id`, `--gpu-ids`, `--local_rank` (train and test share these). */
export function addDeviceFlags(cmd: Command, withGpuIds: boolean): Command {
  cmd.addOption(new Option('--device <name>', 'mmcls device: cpu (wasm, or cpu) or cuda (the tensorflow backend); --backend names the backend directly').choices(['cpu', 'cuda', 'ipu', 'mlu', 'npu']));
  if (withGpuIds) {
    cmd.option('--gpu-id <n>', 'GPU to use in a single-process run (sets CUDA_VISIBLE_DEVICES for the tensorflow backend)');
    cmd.option('--gpu-ids <ids...>', 'deprecated in mmcls: the first id is used, as --gpu-id');
  }
  cmd.option('--local_rank <n>', 'set by torch.distributed.launch; exported as LOCAL_RANK');
  cmd.addOption(new Option('--local-rank <n>', 'same as --local_rank').hideHelp());
  return cmd;
}

/**
 * Applies the device flags before the backend starts; returns the backend to
 * ask for. Throws when `--device` and `--backend` disagree.
 */
export function applyDeviceFlags(o: DeviceOpts, logger: Logger): string | undefined {
  // Every rank runs this; only rank 0 (or a single process) says what the flags did.
  const quiet = (process.env.RANK ?? '0') !== '0';
  const say = { info: (m: string) => quiet || logger.info(m), warn: (m: string) => quiet || logger.warn(m) };
  const localRank = o.local_rank ?? o.localRank;
  if (localRank !== undefined && process.env.LOCAL_RANK === undefined) process.env.LOCAL_RANK = localRank;
  let gpu = o.gpuId;
  if (o.gpuIds?.length) {
    say.warn(`--gpu-ids is deprecated (as in mmcls): using the first id, ${o.gpuIds[0]}, like --gpu-id`);
    gpu ??= o.gpuIds[0];
  }
  if (gpu !== undefined && o.launcher !== undefined && o.launcher !== 'none') {
    say.warn(`--gpu-id ${gpu}: applies to single-process runs only (as in mmcls); the launcher assigns devices per rank`);
  } else if (gpu !== undefined) {
    if (!/^\d+$/.test(gpu)) throw new Error(`--gpu-id must be a non-negative integer, got '${gpu}'`);
    if (process.env.CUDA_VISIBLE_DEVICES === undefined) {
      process.env.CUDA_VISIBLE_DEVICES = gpu;
      say.info(`--gpu-id ${gpu}: CUDA_VISIBLE_DEVICES=${gpu} (used by the tensorflow backend only)`);
    } else {
      say.warn(`--gpu-id ${gpu}: CUDA_VISIBLE_DEVICES is already ${process.env.CUDA_VISIBLE_DEVICES}; left as it is`);
    }
  }
  if (o.device === undefined) return o.backend;
  const fits: Record<string, string[]> = { cpu: ['wasm', 'cpu'], cuda: ['tensorflow'] };
  const allowed = fits[o.device];
  if (!allowed) throw new Error(`--device ${o.device}: there is no ${o.device} backend for tensorflow.js here; use --device cpu or cuda`);
  if (o.backend !== undefined) {
    if (!allowed.includes(o.backend)) throw new Error(`--device ${o.device} and --backend ${o.backend} disagree (${o.device} means ${allowed.join(' or ')})`);
    return o.backend;
  }
  say.info(`--device ${o.device}: using the ${allowed[0]} backend`);
  return allowed[0];
}

/**
 * This process's rank before the launch, for messages printed while the
 * config loads: the `multi-gpu` parent stays quiet (its rank 0 says them), a
 * rank reads the launcher's environment.
 */
export function launchRank(launcher: string | undefined, env: Record<string, string | undefined> = process.env): number {
  if (launcher === 'multi-gpu') return 1;
  if (launcher === 'none' || launcher === undefined) return 0;
  return Number(env.RANK ?? env.SLURM_PROCID ?? env.OMPI_COMM_WORLD_RANK ?? 0) || 0;
}
