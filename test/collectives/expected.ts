/** What every rank of collective-worker.js's suite must report, computed independently of any engine. */
const contribution = (rank: number) => [rank + 1, -(rank + 1) * 0.5, 1e6 + rank, 0];
const bytesOf = (rank: number) => Array.from({ length: rank * 3 }, (_, i) => (rank * 31 + i) % 256);
const ranksOf = (size: number) => Array.from({ length: size }, (_, r) => r);

function sumOver(size: number, f: (r: number) => number[]): number[] {
  return ranksOf(size)
    .map(f)
    .reduce((acc, v) => acc.map((x, i) => x + v[i]));
}

export function expectedSuite(size: number, rank: number) {
  const sum = sumOver(size, contribution);
  const mean = sum.map((x) => x / size);
  const tri = (size * (size + 1)) / 2;
  return {
    rank,
    size,
    sum,
    mean,
    bcastBytes: [size - 1, size, size + 1],
    bcastFloat: [0.25, -1],
    gather: ranksOf(size).map(bytesOf),
    asyncSum: sum,
    asyncMean: mean,
    asyncBcast: [0, 1],
    asyncGather: ranksOf(size).map((r) => `rank-${r}`.repeat(r)),
    mixed: {
      a: [tri],
      b: [(10 * tri) / size],
      c: [size - 1 + 100],
      g: ranksOf(size).map((r) => [r]),
      gathered: ranksOf(size).map((r) => [r, r]),
    },
    many: Array.from({ length: 200 }, (_, k) => k * tri),
    burst: Array.from({ length: 100 }, (_, k) => k * size + (size * (size - 1)) / 2),
    bigChecksum: [0, 999 * tri, 0, (((1 << 20) - 1) % 1000) * tri],
  };
}
