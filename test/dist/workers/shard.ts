/** Sharding used by the collect test: mmcls DistributedSampler without shuffle (round-up padding, stride W). */
export function shardIndices(size: number, worldSize: number, rank: number): number[] {
  const perRank = Math.ceil(size / worldSize);
  const total = perRank * worldSize;
  const idx = Array.from({ length: size }, (_, i) => i);
  for (let i = 0; idx.length < total; i++) idx.push(idx[i % size]);
  return idx.filter((_, i) => i % worldSize === rank);
}

/** Fake class scores of sample i. */
export function scoresOf(i: number): Float32Array {
  return Float32Array.from([i, Math.sin(i), 1 / (i + 1)]);
}
