/**
 * How the tools print an error: one message (the errors name their file,
 * config key or line), no JavaScript stack unless asked for with `--debug`
 * or `FER_MM_DEBUG=1`. Unexpected error kinds (a TypeError is a bug, not a
 * user mistake) say how to get the stack.
 */

/** Environment variable that turns on stacks for every tool (and every rank). */
export const DEBUG_ENV = 'FER_MM_DEBUG';

export function debugRequested(argv: readonly string[] = process.argv, env: NodeJS.ProcessEnv = process.env): boolean {
  const v = env[DEBUG_ENV];
  return argv.includes('--debug') || (v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false');
}

const ENGINE_ERRORS = new Set(['TypeError', 'RangeError', 'ReferenceError', 'SyntaxError', 'EvalError', 'URIError']);

/** The text a tool prints for `e`. */
export function describeError(e: unknown, debug = debugRequested()): string {
  if (!(e instanceof Error)) return String(e);
  if (debug) {
    const cause = (e as { cause?: unknown }).cause;
    return cause instanceof Error && cause.stack ? `${e.stack}\ncaused by: ${cause.stack}` : (e.stack ?? e.message);
  }
  if (ENGINE_ERRORS.has(e.name)) return `${e.name}: ${e.message} (internal error; run with --debug or ${DEBUG_ENV}=1 for the stack)`;
  return e.message;
}
