/**
 * The blocking cross-rank sum SyncBatchNorm needs, as the nn layer sees it.
 * tfjs forward and gradient functions are synchronous, so the sum must block;
 * `src/distributed` implements it (a worker-thread channel) and installs it
 * here when a process group starts, keeping nn free of the process group.
 */
export interface BlockingAllReduce {
  readonly rank: number;
  readonly worldSize: number;
  /** Element-wise sum of `values` over all ranks (every rank calls it in the same order). */
  allReduceSumSync(values: ArrayLike<number>, what?: string): Float64Array;
}

let wanted = false;
let active: BlockingAllReduce | null = null;

/** Called by SyncBatchNorm's constructor (and overlapped all-reduce): the next `broadcastWeights` opens the channel. */
export function requestSyncChannel(): void {
  wanted = true;
}
export function syncChannelWanted(): boolean {
  return wanted;
}
export function setSyncChannel(ch: BlockingAllReduce | null): void {
  active = ch;
}
/** The cross-rank sum of this process's group, or null (one process, or no SyncBatchNorm). */
export function currentSyncChannel(): BlockingAllReduce | null {
  return active;
}
