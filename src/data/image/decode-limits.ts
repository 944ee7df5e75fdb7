/**
 * Bounds on image decoding, so a few huge images cannot exhaust memory:
 * - a pixel limit checked from the image header before any pixel is
 *   decoded (libvips' own default, ~268 MP, lets a 800 KB PNG of
 *   16383x16383 through: ~800 MB decoded, twice that after conversion);
 * - a cap on decodes in flight in this thread (every loader batch, test and
 *   infer go through `decodeImage`, so the cap holds for all of them).
 */

/**
 * Default pixel limit: 50 MP. A 48 MP phone photo passes; face images are
 * under 1 MP. Decoding 50 MP costs ~300 MB (RGB buffer + BGR copy).
 */
export const DEFAULT_MAX_PIXELS = 50_000_000;

/** Default decodes in flight per thread: libuv's default pool size, so decoding is not slowed. */
export const DEFAULT_MAX_CONCURRENT_DECODES = 4;

let maxConcurrent = DEFAULT_MAX_CONCURRENT_DECODES;
let active = 0;
const waiting: Array<() => void> = [];

/** Sets the cap on decodes in flight in this thread (loader workers each have their own). */
export function setMaxConcurrentDecodes(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`max concurrent decodes must be an integer >= 1, got ${n}`);
  maxConcurrent = n;
}

export function getMaxConcurrentDecodes(): number {
  return maxConcurrent;
}

/** Decodes running now (for tests and diagnostics). */
export function activeDecodes(): number {
  return active;
}

/** Runs `fn` when a decode slot is free. */
export async function withDecodeSlot<T>(fn: () => Promise<T>): Promise<T> {
  // A released slot is handed to the next waiter directly (active stays counted),
  // so a caller arriving in between cannot take it too.
  if (active >= maxConcurrent) await new Promise<void>((resolve) => waiting.push(resolve));
  else active++;
  try {
    return await fn();
  } finally {
    const next = waiting.shift();
    if (next) next();
    else active--;
  }
}

/** An error for an image over the pixel limit, with how to raise it. */
export function pixelLimitError(width: number, height: number, maxPixels: number): Error {
  const mp = (n: number) => `${(n / 1e6).toFixed(1)} MP`;
  return new Error(
    `image of ${width}x${height} (${mp(width * height)}) exceeds the pixel limit of ${mp(maxPixels)} ` +
      `(raise it with LoadImageFromFile max_pixels)`,
  );
}

/**
 * Maps `items` through `fn` with at most `limit` calls in flight; results in
 * input order (a bounded `Promise.all`).
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const run = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), items.length) }, run));
  return out;
}
