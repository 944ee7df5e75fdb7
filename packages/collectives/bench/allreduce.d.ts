import type { CollectiveEngine, EngineName } from '../index';

export interface AllReduceRow {
  engine: EngineName;
  /** Buffer size, MiB of float32. */
  mb: number;
  /** Median time of one all-reduce, ms. */
  ms: number;
  /** 2(n-1)/n * bytes / time, GB/s. */
  busGBs: number;
  /** Timed calls behind the median. */
  iters: number;
}

/** Median all-reduce time per size on an engine every rank holds; every rank must call it. */
export function measureAllReduce(engine: CollectiveEngine, options?: { sizesMB?: number[]; iters?: number }): AllReduceRow[];

export interface OverlapResult {
  commMs: number;
  computeMs: number;
  bothMs: number;
  /** (comm + compute - both) / min(comm, compute): 1 when the shorter one is fully hidden. */
  overlap: number;
}

/** A `mb` MB async all-reduce started before `computeMs` of busy JS work; every rank must call it. */
export function measureOverlap(engine: CollectiveEngine, options?: { mb?: number; computeMs?: number; iters?: number }): Promise<OverlapResult>;
