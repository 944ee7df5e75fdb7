/**
 * The rank contract every launcher leaves in the environment (torchrun's
 * names), read in one place: the runner's single-process default and the
 * multi-process launchers both use it.
 */
type Env = Record<string, string | undefined>;

/** A non-negative integer environment variable; unset gives `fallback`, or an error naming the launcher. */
export function intFrom(env: Env, key: string, launcher: string, fallback?: number): number {
  const raw = env[key];
  if (raw === undefined || raw === '') {
    if (fallback !== undefined) return fallback;
    throw new Error(`--launcher ${launcher}: environment variable ${key} is not set`);
  }
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 0) {
    throw new Error(`--launcher ${launcher}: environment variable ${key}=${JSON.stringify(raw)} is not a non-negative integer`);
  }
  return v;
}

/**
 * RANK / WORLD_SIZE / LOCAL_RANK as any launcher leaves them (torchrun's
 * names); missing variables mean a single process.
 */
export function rankInfoFromEnv(env: Env = process.env): { rank: number; worldSize: number; localRank: number } {
  const worldSize = intFrom(env, 'WORLD_SIZE', 'pytorch', 1);
  const rank = intFrom(env, 'RANK', 'pytorch', 0);
  const localRank = intFrom(env, 'LOCAL_RANK', 'pytorch', rank);
  if (worldSize < 1) throw new Error(`WORLD_SIZE must be >= 1, got ${worldSize}`);
  if (rank >= worldSize) throw new Error(`RANK ${rank} is not below WORLD_SIZE ${worldSize}`);
  return { rank, worldSize, localRank };
}
