/**
 * How the launcher names a rank's end and which failed rank it blames.
 * A rank killed by a signal is named by the signal (`killed by SIGKILL`),
 * also when a shell reports it as exit code 128+N, and its stderr tail is not
 * quoted: a kill from outside (OOM killer, kill -9) has nothing to do with
 * the rank's last output.
 */
import { constants } from 'node:os';
import { PEER_ABORT_EXIT_CODE } from './finish';

export interface RankExit {
  rank: number;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** True when the launcher had not signalled any rank yet (the kill came from outside). */
  beforeLauncherKill?: boolean;
}

const SIGNAL_NAMES = new Map<number, NodeJS.Signals>(Object.entries(constants.signals).map(([name, n]) => [n as number, name as NodeJS.Signals]));

/** The signal that ended the rank: its own, or the one a 128+N exit code stands for. */
export function exitSignal(e: Pick<RankExit, 'code' | 'signal'>): NodeJS.Signals | null {
  if (e.signal) return e.signal;
  if (e.code !== null && e.code > 128 && e.code < 128 + 65) return SIGNAL_NAMES.get(e.code - 128) ?? null;
  return null;
}

/** `was killed by SIGKILL`, `exited with code 1`, ... */
export function describeExit(e: Pick<RankExit, 'code' | 'signal'>): string {
  const sig = exitSignal(e);
  if (sig) return `was killed by ${sig}${e.signal ? '' : ` (exit code ${e.code})`}`;
  if (e.code === PEER_ABORT_EXIT_CODE) return 'stopped because another rank failed';
  return `exited with code ${e.code}`;
}

/**
 * The failure to blame: a rank killed from outside before the launcher
 * stopped anyone, else the first that failed on its own (not stopped because
 * of another rank), else the first.
 */
export function blame(failures: RankExit[]): RankExit | undefined {
  return (
    failures.find((f) => f.beforeLauncherKill !== false && exitSignal(f) !== null) ??
    failures.find((f) => f.code !== PEER_ABORT_EXIT_CODE && exitSignal(f) === null) ??
    failures.find((f) => f.code !== PEER_ABORT_EXIT_CODE) ??
    failures[0]
  );
}
