/**
 * Per-phase memory of a training step for tools/benchmark.ts: after each
 * phase (forward, backward, optimizer step) the bytes of live tensors, the
 * resident set now, and the peak resident set during that phase. On Linux
 * the peak is VmHWM of /proc/self/status, reset after every phase by writing
 * 5 to /proc/self/clear_refs; elsewhere it is the process's peak so far.
 */
import * as fs from 'fs';
import { tf } from '../../src/tf';

export interface PhaseMemory {
  phase: string;
  /** Bytes of the tensors alive at the end of the phase (tf.memory().numBytes). */
  tensorMiB: number;
  rssMiB: number;
  /** Highest resident set during the phase. */
  peakRssMiB: number;
}

const MiB = 2 ** 20;

function statusKiB(field: 'VmRSS' | 'VmHWM'): number | null {
  try {
    const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}

/** Starts a new peak window; false where the platform cannot reset the peak. */
export function resetPeakRss(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

/** Peak resident set since the last {@link resetPeakRss} (or process start), MiB. */
export function peakRssMiB(): number {
  const hwm = statusKiB('VmHWM');
  return (hwm ?? process.resourceUsage().maxRSS) / 1024;
}

/** Records one {@link PhaseMemory} per call and starts the next phase's peak window. */
export class MemoryTrace {
  readonly phases: PhaseMemory[] = [];

  constructor() {
    resetPeakRss();
  }

  mark(phase: string): void {
    this.phases.push({
      phase,
      tensorMiB: tf.memory().numBytes / MiB,
      rssMiB: (statusKiB('VmRSS') ?? process.memoryUsage().rss / 1024) / 1024,
      peakRssMiB: peakRssMiB(),
    });
    resetPeakRss();
  }

  /** Highest peak over the phases recorded. */
  get peakMiB(): number {
    return Math.max(...this.phases.map((p) => p.peakRssMiB));
  }
}
