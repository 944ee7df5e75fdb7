/**
 * Accumulates scalar log values between logger outputs (mmcv `LogBuffer`):
 * `update` adds values with a count, `average(n)` averages the last n entries
 * into `output`, which the logger hooks print and clear.
 *
 * A value may be a scalar tensor (the training step's losses, the gradient
 * norm): the buffer owns it and reads it only when it averages, so the
 * training loop does not wait for the device every iteration.
 */
import { tf } from '../tf';

/** A logged value: scalars, per-class lists (class_accuracy) or text. */
export type LogValue = number | number[] | string;

/** The number behind a logged value (reads a tensor from the device without freeing it). */
export function logValueNumber(v: number | tf.Scalar): number {
  return typeof v === 'number' ? v : v.dataSync()[0];
}

export class LogBuffer {
  private history = new Map<string, Array<number | tf.Scalar>>();
  private counts = new Map<string, number[]>();
  output: Record<string, LogValue> = {};
  ready = false;

  update(vars: Record<string, number | tf.Scalar>, count = 1): void {
    for (const [k, v] of Object.entries(vars)) {
      if (!this.history.has(k)) {
        this.history.set(k, []);
        this.counts.set(k, []);
      }
      this.history.get(k)!.push(v);
      this.counts.get(k)!.push(count);
      if (typeof v !== 'number') this.pending++;
    }
    if (this.pending > LogBuffer.maxPending) this.resolve();
  }

  /** Tensor values not read yet. */
  private pending = 0;

  /**
   * Reads every pending tensor value (one device read each) and frees it.
   * The runners call it at the end of each epoch (and every `maxPending`
   * values), so tensors never pile up when no logger hook averages.
   */
  settle(): void {
    this.resolve();
  }

  /** Most tensor values held before they are read anyway. */
  static maxPending = 256;

  private resolve(): void {
    this.pending = 0;
    for (const [k, vals] of this.history) {
      for (let i = 0; i < vals.length; i++) {
        const v = vals[i];
        if (typeof v === 'number') continue;
        vals[i] = v.dataSync()[0];
        v.dispose();
        if (k === 'loss' && !Number.isFinite(vals[i])) {
          throw new Error(`train step: loss is ${vals[i]} (in an iteration of this log interval)`);
        }
      }
    }
  }

  /** Weighted mean of the latest `n` values of `key` (reads pending tensors), or undefined when it has none. */
  latestMean(key: string, n: number): number | undefined {
    if (!this.history.get(key)?.length) return undefined;
    this.resolve();
    return this.weightedMean(key, n);
  }

  /** Count-weighted mean of the latest `n` (all when 0) resolved values of `key`. */
  private weightedMean(key: string, n: number): number | undefined {
    const vals = this.history.get(key) as number[];
    const cnts = this.counts.get(key)!;
    let s = 0;
    let c = 0;
    for (let i = n > 0 ? Math.max(0, vals.length - n) : 0; i < vals.length; i++) {
      s += vals[i] * cnts[i];
      c += cnts[i];
    }
    return c > 0 ? s / c : undefined;
  }

  /** Weighted average of the latest `n` values of every key (all when n is 0). */
  average(n = 0): void {
    this.resolve();
    for (const k of this.history.keys()) {
      const mean = this.weightedMean(k, n);
      if (mean !== undefined) this.output[k] = mean;
    }
    this.ready = true;
  }

  clearOutput(): void {
    this.output = {};
    this.ready = false;
  }

  clear(): void {
    for (const vals of this.history.values()) for (const v of vals) if (typeof v !== 'number') v.dispose();
    this.pending = 0;
    this.history.clear();
    this.counts.clear();
    this.clearOutput();
  }
}
