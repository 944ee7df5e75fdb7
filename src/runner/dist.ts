/**
 * The single-process {@link DistContext}: every collective is the identity.
 * `src/distributed` provides the multi-process one behind the same interface.
 */
import type { tf } from '../tf';
import type { DistContext, RunnerModel } from './types';

export class SingleProcessDist implements DistContext {
  readonly rank = 0;
  readonly worldSize = 1;
  async allReduceMeanGrads(grads: Record<string, tf.Tensor>): Promise<Record<string, tf.Tensor>> {
    return grads;
  }
  async broadcastWeights(_model: RunnerModel): Promise<void> {}
  async barrier(): Promise<void> {}
  async allGatherObjects<T>(obj: T): Promise<T[]> {
    return [obj];
  }
  async broadcastObject<T>(obj: T): Promise<T> {
    return obj;
  }
}

/** True on the rank that writes files and logs (rank 0). */
export function isMaster(dist: DistContext): boolean {
  return dist.rank === 0;
}
