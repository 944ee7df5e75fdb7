/** Errors of the process group (engine failures, aborts, bad arguments). */

/**
 * Any failure of the process group. `failedRank` is the rank to blame when
 * known: this rank's own number when it failed, -1 when another rank was lost
 * first, undefined when nobody can tell (a deadline passed).
 */
export class DistError extends Error {
  constructor(message: string, readonly failedRank?: number) {
    super(message);
    this.name = 'DistError';
  }
}
