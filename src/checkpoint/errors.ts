/** Errors about a checkpoint file always name the file (and the part inside it). */
export class CheckpointError extends Error {
  constructor(
    readonly file: string,
    detail: string,
  ) {
    super(`${file}: ${detail}`);
    this.name = 'CheckpointError';
  }
}

/**
 * Runs a reader and turns anything it throws into a CheckpointError naming
 * the file: a reader bug or an engine limit (RangeError) on a hostile file
 * must still say which file, never surface as a bare TypeError.
 */
export function withCheckpointErrors<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    const err = e as Error;
    throw new CheckpointError(file, `cannot read (${err?.name ?? 'Error'}: ${err?.message ?? String(e)})`);
  }
}
