/**
 * Ends a tool's distributed run (duck-typed, so tools can import it without
 * loading zeromq): on success a final barrier and a clean leave, so rank 0
 * does not mistake an early exit for a crash; on error the error goes to every
 * rank, which then stops. No-op for a single process.
 */
interface Finishable {
  destroy(): Promise<void>;
  fail(message: string): Promise<void>;
  pg: { abortError: Error | null; shutdown(): Promise<void> };
}

function isFinishable(d: unknown): d is Finishable {
  const x = d as Partial<Finishable> | null;
  return !!x && typeof x.destroy === 'function' && typeof x.fail === 'function' && !!x.pg;
}

export async function finishDist(dist: unknown, error?: unknown): Promise<void> {
  if (!isFinishable(dist)) return;
  if (error === undefined) {
    await dist.destroy();
    return;
  }
  if (!dist.pg.abortError) {
    const text = error instanceof Error ? (error.stack ?? error.message) : String(error);
    await dist.fail(text.split('\n').slice(0, 6).join('\n'));
  }
  await dist.pg.shutdown();
}
