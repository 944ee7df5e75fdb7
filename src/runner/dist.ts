/**
 * Distributed contexts that need no process group: the single-process one
 * (every collective is the identity) and the rank info of a launch whose
 * process group is not connected yet. `src/distributed` provides the
 * connected multi-process one (`TfDist`) behind the same contract.
 */
import type { tf } from '../tf';
import { isMaster, type DistContext, type DistModel } from '../contracts/dist';
import { rankInfoFromEnv } from '../utils/rank-env';

export { isMaster };

export class SingleProcessDist implements DistContext {
  readonly rank = 0;
  readonly worldSize = 1;
  readonly localRank = 0;
  async allReduceMeanGrads(grads: Record<string, tf.Tensor>): Promise<Record<string, tf.Tensor>> {
    return grads;
  }
  async broadcastWeights(_model: DistModel): Promise<void> {}
  async barrier(): Promise<void> {}
  async allGatherObjects<T>(obj: T): Promise<T[]> {
    return [obj];
  }
  async broadcastObject<T>(obj: T): Promise<T> {
    return obj;
  }
}

/** Rank info of a multi-process launch before `initDist` connects it: collectives are an error. */
export class UnconnectedDist implements DistContext {
  constructor(
    readonly rank: number,
    readonly worldSize: number,
    readonly localRank: number,
  ) {}
  private fail(op: string): never {
    throw new Error(`${op}: rank ${this.rank} of ${this.worldSize} has no process group; start the run with --launcher (initDist) to connect the ranks`);
  }
  async allReduceMeanGrads(): Promise<Record<string, tf.Tensor>> {
    return this.fail('allReduceMeanGrads');
  }
  async broadcastWeights(): Promise<void> {
    this.fail('broadcastWeights');
  }
  async barrier(): Promise<void> {
    this.fail('barrier');
  }
  async allGatherObjects<T>(): Promise<T[]> {
    return this.fail('allGatherObjects');
  }
  async broadcastObject<T>(): Promise<T> {
    return this.fail('broadcastObject');
  }
}

/** The DistContext the launcher's environment describes (RANK / WORLD_SIZE / LOCAL_RANK). */
export function distContextFromEnv(env: NodeJS.ProcessEnv = process.env): DistContext {
  const { rank, worldSize, localRank } = rankInfoFromEnv(env);
  return worldSize === 1 ? new SingleProcessDist() : new UnconnectedDist(rank, worldSize, localRank);
}
