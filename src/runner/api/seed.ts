/**
 * Seeds (mmcls `init_random_seed`/`set_random_seed`): without `--seed`, rank 0
 * draws one and broadcasts it so every rank agrees. The seed drives model
 * init (`setInitSeed`), the sampler shuffles and the per-sample transforms.
 */
import { randomInt } from 'node:crypto';
import { setInitSeed } from '../../nn/init';
import type { DistContext } from '../../contracts/dist';

export async function initRandomSeed(seed: number | null | undefined, dist: DistContext): Promise<number> {
  if (seed !== null && seed !== undefined) {
    if (!Number.isInteger(seed) || seed < 0) throw new Error(`--seed must be a non-negative integer, got ${seed}`);
    return seed;
  }
  const mine = randomInt(0, 2 ** 31);
  return dist.worldSize > 1 ? dist.broadcastObject(mine) : mine;
}

/** Seeds the model-init stream; the loaders get the seed explicitly. */
export function setRandomSeed(seed: number): void {
  setInitSeed(seed);
}
