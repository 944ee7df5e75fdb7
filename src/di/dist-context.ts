/**
 * DistContext from the launcher's environment (RANK, WORLD_SIZE, LOCAL_RANK;
 * the same contract as torchrun / MMCV's launchers). Missing variables mean a
 * single process.
 */
import type { DistContext } from './tokens';

function intVar(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new Error(`environment variable ${name}='${raw}' is not a non-negative integer`);
  return Number(raw.trim());
}

export function distContextFromEnv(env: NodeJS.ProcessEnv = process.env): DistContext {
  const worldSize = intVar(env, 'WORLD_SIZE', 1);
  const rank = intVar(env, 'RANK', 0);
  const localRank = intVar(env, 'LOCAL_RANK', rank);
  if (worldSize < 1) throw new Error(`WORLD_SIZE must be >= 1, got ${worldSize}`);
  if (rank >= worldSize) throw new Error(`RANK=${rank} must be < WORLD_SIZE=${worldSize}`);
  return Object.freeze({ rank, worldSize, localRank, isDistributed: worldSize > 1 });
}
