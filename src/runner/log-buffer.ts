/**
 * Accumulates scalar log values between logger outputs (mmcv `LogBuffer`):
 * `update` adds values with a count, `average(n)` averages the last n entries
 * into `output`, which the logger hooks print and clear.
 */
/** A logged value: scalars, per-class lists (class_accuracy) or text. */
export type LogValue = number | number[] | string;

export class LogBuffer {
  private history = new Map<string, number[]>();
  private counts = new Map<string, number[]>();
  output: Record<string, LogValue> = {};
  ready = false;

  update(vars: Record<string, number>, count = 1): void {
    for (const [k, v] of Object.entries(vars)) {
      if (!this.history.has(k)) {
        this.history.set(k, []);
        this.counts.set(k, []);
      }
      this.history.get(k)!.push(v);
      this.counts.get(k)!.push(count);
    }
  }

  /** Weighted average of the latest `n` values of every key (all when n is 0). */
  average(n = 0): void {
    for (const [k, vals] of this.history) {
      const cnts = this.counts.get(k)!;
      const from = n > 0 ? Math.max(0, vals.length - n) : 0;
      let s = 0;
      let c = 0;
      for (let i = from; i < vals.length; i++) {
        s += vals[i] * cnts[i];
        c += cnts[i];
      }
      if (c > 0) this.output[k] = s / c;
    }
    this.ready = true;
  }

  clearOutput(): void {
    this.output = {};
    this.ready = false;
  }

  clear(): void {
    this.history.clear();
    this.counts.clear();
    this.clearOutput();
  }
}
