/** A test worker's positional arguments and the `--launcher` it was started with (pytorch or mpi). */
import { parseLauncherFlags } from '../../../src/distributed/launcher';

export function workerArgs(): { launcher: string; rest: string[] } {
  const { flags, rest } = parseLauncherFlags(process.argv.slice(2));
  return { launcher: flags.launcher ?? 'pytorch', rest };
}
