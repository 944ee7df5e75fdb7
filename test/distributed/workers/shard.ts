/** Sharding used by the collect test: the data layer's DistributedSampler (round-up padding, stride W). */
import { DistributedSampler } from '../../../src/data/sampler';

export function shardIndices(size: number, worldSize: number, rank: number, shuffle = false): number[] {
  const s = new DistributedSampler({ dataset: size, num_replicas: worldSize, rank, shuffle, round_up: true, seed: 7 });
  s.setEpoch(3);
  return s.indices();
}

/** Fake class scores of sample i. */
export function scoresOf(i: number): Float32Array {
  return Float32Array.from([i, Math.sin(i), 1 / (i + 1)]);
}
