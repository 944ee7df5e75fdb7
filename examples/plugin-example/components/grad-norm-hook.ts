/**
 * GradNormHook: after each training step's backward pass, before the
 * optimizer consumes (and frees) the gradients, computes the L2 norm of every
 * parameter's gradient and logs
 *   - `grad_norm/total` and `grad_norm/<group>` (parameters grouped by the first
 *     `depth` segments of their names: `extractor`, `vit`, `head`, ...) into the
 *     log buffer, so the text/TensorBoard loggers print them;
 *   - a histogram of the per-parameter norms over log-spaced bins as one log line
 *     every `interval` iterations (finds dead or exploding layers at a glance).
 * Enable it from a config: `custom_hooks: [{ type: 'example.GradNormHook', priority: 'HIGH' }]`
 * (custom hooks run at NORMAL unless told otherwise, which is after the
 * optimizer step; the hook warns once if it finds the gradients gone).
 */
import { Hook, HookPriorityProp, Priority, Type, inject, optional, tf, type Batch, type BaseRunner, type Static, type TrainIterOutputs } from 'fer-mm';
import { EXAMPLE_HOOKS } from './scope';
import { METRICS_SINK, type MetricsSink } from './metrics-sink';

/** Arguments of `example.GradNormHook`. */
export const GradNormHookArgs = Type.Object(
  {
    // `priority` (read by the runner, not the hook). Use 'HIGH' (or any value below
    // ABOVE_NORMAL = 40): the hook must run before the OptimizerHook frees the gradients,
    // and custom hooks default to NORMAL (50), as in mmcv.
    ...HookPriorityProp,
    /** Measure every `interval` training iterations. */
    interval: Type.Integer({ minimum: 1, default: 1, description: 'measure every N training iterations' }),
    /** Group parameters by the first `depth` dotted segments of their names. */
    depth: Type.Integer({ minimum: 1, default: 1, description: 'group parameters by the first N name segments' }),
    /** Upper edges of the histogram bins (ascending); one more bin collects everything above. */
    bins: Type.Array(Type.Number({ exclusiveMinimum: 0 }), {
      minItems: 1,
      default: [1e-6, 1e-4, 1e-2, 1, 100],
      description: 'ascending upper bin edges of the per-parameter norm histogram',
    }),
  },
  { additionalProperties: false, description: 'Logs gradient norms (total, per group) and a histogram of per-parameter norms.' },
);
export type GradNormHookArgs = Static<typeof GradNormHookArgs>;

/** One measurement. */
export interface GradNormRecord {
  iter: number;
  total: number;
  groups: Record<string, number>;
  /** Counts per bin: `bins.length + 1` entries, the last one is "above the last edge". */
  histogram: number[];
}

@EXAMPLE_HOOKS.register({ name: 'GradNormHook', schema: GradNormHookArgs, description: 'gradient-norm logging and histogram (example plugin)' })
export class GradNormHook extends Hook {
  // Gradients live in afterTrainIter's outputs.grads until the OptimizerHook (ABOVE_NORMAL) steps and frees them.
  // (Used by runner.registerHook(hook); a custom_hooks entry sets its own priority, default NORMAL.)
  static override priority = Priority.HIGH;
  readonly name = 'GradNormHook';
  readonly interval: number;
  readonly depth: number;
  readonly bins: number[];
  /** Measurements taken so far in this run (the last `maxRecords`). */
  readonly records: GradNormRecord[] = [];
  readonly maxRecords = 1000;
  private warnedNoGrads = false;
  /** Where the measurements also go (the plugin's own service; absent when built outside a run). */
  @inject(METRICS_SINK) @optional() readonly sink?: MetricsSink;

  constructor(args: Partial<GradNormHookArgs> = {}) {
    super();
    this.interval = args.interval ?? 1;
    this.depth = args.depth ?? 1;
    this.bins = args.bins ?? [1e-6, 1e-4, 1e-2, 1, 100];
    for (let i = 1; i < this.bins.length; i++) {
      if (!(this.bins[i] > this.bins[i - 1])) throw new Error(`GradNormHook.bins must be ascending, got [${this.bins}]`);
    }
  }

  override afterTrainIter(runner: BaseRunner, _batchIdx: number, _dataBatch: Batch, outputs: TrainIterOutputs): void {
    const grads = outputs.grads;
    if (!grads) {
      if (!this.warnedNoGrads && this.priority >= Priority.ABOVE_NORMAL) {
        this.warnedNoGrads = true;
        this.logger.warn(
          `GradNormHook: no gradients left at afterTrainIter (priority ${this.priority} runs after the OptimizerHook); ` +
            `set priority: 'HIGH' in its custom_hooks entry`,
        );
      }
      return;
    }
    if (!this.everyNIters(runner, this.interval)) return;
    const names = Object.keys(grads).sort();
    if (names.length === 0) return;
    // One device read for all parameters: stack the squared sums, then sync once.
    const sq = tf.tidy(() => tf.stack(names.map((n) => tf.sum(tf.square(grads[n])))));
    const sums = sq.dataSync();
    sq.dispose();

    const groups: Record<string, number> = {};
    const histogram = new Array<number>(this.bins.length + 1).fill(0);
    let total = 0;
    names.forEach((n, i) => {
      const s = sums[i];
      total += s;
      const g = n.split('.').slice(0, this.depth).join('.');
      groups[g] = (groups[g] ?? 0) + s;
      const norm = Math.sqrt(s);
      const bin = this.bins.findIndex((edge) => norm <= edge);
      histogram[bin === -1 ? this.bins.length : bin]++;
    });
    for (const g of Object.keys(groups)) groups[g] = Math.sqrt(groups[g]);
    const rec: GradNormRecord = { iter: runner.iter + 1, total: Math.sqrt(total), groups, histogram };
    this.records.push(rec);
    if (this.records.length > this.maxRecords) this.records.shift();

    const logVars: Record<string, number> = { 'grad_norm/total': rec.total };
    for (const [g, v] of Object.entries(groups)) logVars[`grad_norm/${g}`] = v;
    runner.logBuffer.update(logVars);
    this.sink?.write({ iter: rec.iter, values: logVars });
    this.logger.info(`iter ${rec.iter} grad-norm histogram: ${this.formatHistogram(histogram)}`);
  }

  /** `<=1e-6: 0 | <=0.0001: 3 | ... | >100: 0` */
  formatHistogram(h: number[]): string {
    return h.map((c, i) => (i < this.bins.length ? `<=${this.bins[i]}: ${c}` : `>${this.bins[this.bins.length - 1]}: ${c}`)).join(' | ');
  }
}
