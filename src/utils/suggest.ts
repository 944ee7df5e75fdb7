/** Levenshtein distance, case-insensitive. */
export function editDistance(a: string, b: string): number {
  a = a.toLowerCase();
  b = b.toLowerCase();
  const prev = new Array<number>(b.length + 1);
  for (let j = 0; j <= b.length; j++) prev[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}

/** The `n` candidates closest to `word`, keeping only plausible ones. */
export function closestNames(word: string, candidates: Iterable<string>, n = 3): string[] {
  const bare = word.slice(word.lastIndexOf('.') + 1);
  const scored = [...new Set(candidates)].map((c) => {
    const cb = c.slice(c.lastIndexOf('.') + 1);
    const d = Math.min(editDistance(word, c), editDistance(bare, cb));
    const contains = cb.toLowerCase().includes(bare.toLowerCase()) || bare.toLowerCase().includes(cb.toLowerCase());
    return { c, d: contains ? Math.min(d, 1) : d };
  });
  const limit = Math.max(2, Math.ceil(bare.length / 3));
  return scored
    .filter((s) => s.d <= limit)
    .sort((x, y) => x.d - y.d || x.c.localeCompare(y.c))
    .slice(0, n)
    .map((s) => s.c);
}
