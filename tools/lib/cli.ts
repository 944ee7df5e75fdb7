/** What every tool does with its command line. */
import type { Command } from 'commander';
import { describeError } from '../../src/runner/api/cli-errors';

/**
 * Parses `argv` without letting commander exit the process: returns the exit
 * code when commander is done by itself (`--help`, a usage error), else
 * undefined and the options are ready.
 */
export function parseArgv(program: Command, argv: string[]): number | undefined {
  program.exitOverride();
  try {
    program.parse(argv);
    return undefined;
  } catch (e) {
    return (e as { exitCode?: number }).exitCode ?? 2;
  }
}

/**
 * Runs a tool's `main(argv)` and exits with the code it returns. An error that
 * escapes `main` prints as one line (its stack with `--debug` / `FER_MM_DEBUG=1`).
 */
export function runMain(main: (argv: string[]) => Promise<number>): void {
  main(process.argv).then(
    (code) => process.exit(code),
    (e) => {
      console.error(describeError(e));
      process.exit(1);
    },
  );
}
