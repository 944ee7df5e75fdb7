/**
 * The distributed-context contract: where this process sits in a run and the
 * collectives the runner and hooks use. Single process: `SingleProcessDist`
 * (`src/runner/dist.ts`); multi-process: `TfDist` (`src/distributed`).
 */
import type { tf } from '../tf';

/** Rank and world size, as the launcher's RANK / WORLD_SIZE / LOCAL_RANK give them. */
export interface DistInfo {
  readonly rank: number;
  readonly worldSize: number;
  /** Rank on this machine (selects the device); defaults to `rank`. */
  readonly localRank?: number;
}

/** What `broadcastWeights` needs of a model. */
export interface DistModel {
  namedParameters(prefix?: string): Array<[string, tf.Variable]>;
  namedBuffers?(prefix?: string): Array<[string, tf.Variable]>;
}

/** A process group: rank info plus the collectives (identity in a single process). */
export interface DistContext extends DistInfo {
  /** Averages gradients across ranks in place of the given map (returns the new map; inputs may be disposed). */
  allReduceMeanGrads(grads: Record<string, tf.Tensor>): Promise<Record<string, tf.Tensor>>;
  /** Copies rank 0's parameters and buffers into every rank's model. */
  broadcastWeights(model: DistModel): Promise<void>;
  barrier(): Promise<void>;
  /** Every rank's value, in rank order. */
  allGatherObjects<T>(obj: T): Promise<T[]>;
  /** Rank 0's value on every rank. */
  broadcastObject<T>(obj: T): Promise<T>;
  /** The collective engine and its library version (`gloo 1.0 (tcp)`); absent in one process. */
  readonly engine?: string;
}

/** True on the rank that writes files and logs (rank 0). */
export function isMaster(dist: DistInfo): boolean {
  return dist.rank === 0;
}
