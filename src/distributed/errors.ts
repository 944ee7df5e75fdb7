/**
 * Errors of the process group and the per-rank trace they print: which
 * collective (name + sequence number) each rank last reached, so a hang turns
 * into a message naming the rank that did not arrive (complaint (b) 4).
 */

/** Collective names, indexed by the code stored in the shared trace. */
export const OP_NAMES = [
  'none', 'init', 'barrier', 'broadcastObject', 'allGatherObjects', 'allReduce', 'broadcast', 'destroy',
] as const;
export type OpName = (typeof OP_NAMES)[number];

export type TracePhase = 'idle' | 'waiting' | 'done';
const PHASES: TracePhase[] = ['idle', 'waiting', 'done'];

/** What one rank last did, as exchanged with heartbeats. */
export interface RankTrace {
  rank: number;
  seq: number;
  op: OpName;
  /** Free-form label of the call, e.g. a barrier's name. */
  label?: string;
  phase: TracePhase;
  pid?: number;
  host?: string;
  /** Seconds since the master last heard this rank's heartbeat (-1: never). */
  ageS: number;
}

/** Layout of the Int32Array shared with the heartbeat thread. */
export const TRACE_SLOTS = { seq: 0, op: 1, phase: 2 } as const;

export function decodeTrace(arr: Int32Array): { seq: number; op: OpName; phase: TracePhase } {
  return {
    seq: Atomics.load(arr, TRACE_SLOTS.seq),
    op: OP_NAMES[Atomics.load(arr, TRACE_SLOTS.op)] ?? 'none',
    phase: PHASES[Atomics.load(arr, TRACE_SLOTS.phase)] ?? 'idle',
  };
}

export function encodeTrace(arr: Int32Array, seq: number, op: OpName, phase: TracePhase): void {
  Atomics.store(arr, TRACE_SLOTS.seq, seq);
  Atomics.store(arr, TRACE_SLOTS.op, Math.max(0, OP_NAMES.indexOf(op)));
  Atomics.store(arr, TRACE_SLOTS.phase, Math.max(0, PHASES.indexOf(phase)));
}

export function formatTrace(t: RankTrace): string {
  const where = t.seq === 0 ? 'no collective yet' : `#${t.seq} ${t.op}${t.label ? `('${t.label}')` : ''} (${t.phase})`;
  const hb = t.ageS < 0 ? 'no heartbeat yet' : `heartbeat ${t.ageS.toFixed(1)} s ago`;
  const who = t.pid !== undefined ? `, pid ${t.pid}${t.host ? `@${t.host}` : ''}` : '';
  return `rank ${t.rank}: ${where}, ${hb}${who}`;
}

/** Any failure of the process group (mismatch, abort, rendezvous). */
export class DistError extends Error {
  constructor(message: string, readonly failedRank?: number) {
    super(message);
    this.name = 'DistError';
  }
}

/** A collective did not complete in time. */
export class DistTimeoutError extends DistError {
  constructor(message: string, readonly missingRanks: number[], readonly traces: RankTrace[]) {
    super(message);
    this.name = 'DistTimeoutError';
  }
}

/** Ranks that did not reach collective `seq`, judged from the heartbeat traces. */
export function ranksNotArrived(traces: RankTrace[], seq: number, worldSize: number): number[] {
  const byRank = new Map(traces.map((t) => [t.rank, t]));
  const out: number[] = [];
  for (let r = 0; r < worldSize; r++) {
    const t = byRank.get(r);
    if (!t || t.seq < seq) out.push(r);
  }
  return out;
}
