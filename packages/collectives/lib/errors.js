'use strict';
/** A failed collective: which engine, which op, and whether a deadline (not a lost peer) ended it. */
class CollectiveError extends Error {
  constructor(message, { engine, op, timedOut = false, cause } = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.name = 'CollectiveError';
    this.engine = engine;
    this.op = op;
    this.timedOut = timedOut;
  }
}

/** The native layer throws plain Errors tagged `collective`; they surface as CollectiveError. */
function toCollectiveError(error, engine, op) {
  if (error instanceof CollectiveError) return error;
  if (error && error.collective) {
    return new CollectiveError(error.message, { engine: error.engine, op: error.op, timedOut: error.timedOut === true, cause: error.cause });
  }
  if (error instanceof TypeError || error instanceof RangeError) return error;
  const message = error && error.message ? error.message : String(error);
  return new CollectiveError(`${engine} ${op} failed: ${message}`, { engine, op, cause: error });
}

module.exports = { CollectiveError, toCollectiveError };
