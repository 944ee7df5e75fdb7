/** What every tool does with its command line. */
import type { Command } from 'commander';

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
