/**
 * Plugs the multi-process launchers into the runner's launcher table
 * (`src/runner/launch.ts`): `multi-gpu` spawns the ranks (the parent only
 * waits), `pytorch` / `slurm` / `mpi` join the group the environment describes.
 */
import { registerLauncher } from '../runner/launch';
import { launchWorkers, parseLauncherFlags } from './launcher';
import { countGpus } from './env';
import { checkEngineBeforeLaunch, type DistParams } from './engine';
import { initDist } from './init';

registerLauncher('multi-gpu', async (opts) => {
  // no rank starts when the engine is missing: one error with the install command
  checkEngineBeforeLaunch(opts.distParams as DistParams | undefined);
  const [script, ...rest] = opts.argv;
  const gpus = opts.gpus > 0 ? opts.gpus : Math.max(1, countGpus());
  const { flags, rest: args } = parseLauncherFlags(rest);
  const res = await launchWorkers({
    script,
    args,
    nprocPerNode: gpus,
    nnodes: flags.nnodes !== undefined ? Number(flags.nnodes) : undefined,
    nodeRank: flags['node-rank'] !== undefined ? Number(flags['node-rank']) : undefined,
  });
  return { role: 'parent', exitCode: res.exitCode };
});

for (const name of ['pytorch', 'slurm', 'mpi'] as const) {
  registerLauncher(name, async (opts) => {
    const dist = await initDist(name, { distParams: opts.distParams as DistParams | undefined });
    if (!dist) throw new Error(`--launcher ${name}: no process group`);
    return { role: 'worker', dist };
  });
}

export { finishDist } from './finish';
