/**
 * Ends a tool's distributed run (duck-typed, so tools can import it without
 * loading an engine): on success a final barrier and a clean leave, so rank 0
 * does not mistake an early exit for a crash; on error the error goes to every
 * rank, which then stops. No-op for a single process.
 */
import { describeError } from '../runner/api/cli-errors';

interface Finishable {
  destroy(): Promise<void>;
  fail(message: string): Promise<void>;
  pg: { abortError: Error | null; shutdown(): Promise<void> };
}

function isFinishable(d: unknown): d is Finishable {
  const x = d as Partial<Finishable> | null;
  return !!x && typeof x.destroy === 'function' && typeof x.fail === 'function' && !!x.pg;
}

/** Exit code of a rank stopped because another rank failed (the launcher then blames the other rank). */
export const PEER_ABORT_EXIT_CODE = 3;

/** Returns the exit code the tool should use: 0, 1, or 3 when another rank's failure stopped this one. */
export async function finishDist(dist: unknown, error?: unknown): Promise<number> {
  if (error === undefined) {
    if (isFinishable(dist)) await dist.destroy();
    return 0;
  }
  if (!isFinishable(dist)) return 1;
  const aborted = dist.pg.abortError as (Error & { failedRank?: number }) | null;
  const rank = (dist as unknown as { rank?: number }).rank;
  if (!aborted) {
    const text = describeError(error);
    await dist.fail(text.split('\n').slice(0, 6).join('\n'));
  }
  await dist.pg.shutdown();
  return aborted && aborted.failedRank !== undefined && aborted.failedRank !== rank ? PEER_ABORT_EXIT_CODE : 1;
}
