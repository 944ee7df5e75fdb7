/**
 * Warns once when a run starts on the chance plateau: the training loss of
 * the first `intervals` logging intervals all stay within `band` of ln(C),
 * the cross-entropy of a uniform prediction over C classes. A from-scratch
 * ViT at too high a learning rate can sit there for the whole run (its CLS
 * attention output collapses to one vector shared by every image) while the
 * log looks like ordinary slow progress; the warning says so early.
 */
import { Type, type Static } from '@sinclair/typebox';
import { HOOKS } from '../registry/root';
import type { BaseRunner } from '../runner/base-runner';
import { Hook, type TrainIterOutputs } from '../runner/hook';
import type { Batch } from '../contracts/data';
import { HookPriorityProp, Priority } from '../runner/priority';

export const PlateauDetectorHookArgs = Type.Object(
  {
    ...HookPriorityProp,
    /** Iterations per checked interval (registered by default with log_config.interval). */
    interval: Type.Integer({ minimum: 1, default: 10 }),
    /** How many intervals from the start must all stay on the plateau before the warning. */
    intervals: Type.Integer({ minimum: 1, default: 10 }),
    /** Half-width of the band around ln(C), in nats. */
    band: Type.Number({ exclusiveMinimum: 0, default: 0.05 }),
    /** Number of classes; default: the model's (or the run meta's) CLASSES. */
    num_classes: Type.Optional(Type.Integer({ minimum: 2 })),
    /** The log value to watch; the first present of 'ce_loss' and 'loss' when absent. */
    loss_key: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);
export type PlateauDetectorHookArgs = Static<typeof PlateauDetectorHookArgs>;

@HOOKS.register({ name: 'PlateauDetectorHook', schema: PlateauDetectorHookArgs, description: 'warns once when the training loss stays at ln(C) from the start' })
export class PlateauDetectorHook extends Hook {
  // after the optimizer step and the timer, before the loggers average and clear the buffer
  static override priority = Priority.BELOW_NORMAL;
  readonly name = 'PlateauDetectorHook';
  readonly args: { interval: number; intervals: number; band: number; num_classes?: number; loss_key?: string };
  /** Mean loss of every finished interval so far (only while still undecided). */
  readonly means: number[] = [];
  /** 'watching' until the loss leaves the band (or the run was resumed mid-way), or the warning was given. */
  state: 'watching' | 'left' | 'warned' | 'off' = 'watching';
  private count = 0;

  constructor(args: Partial<PlateauDetectorHookArgs> = {}) {
    super();
    this.args = { interval: args.interval ?? 10, intervals: args.intervals ?? 10, band: args.band ?? 0.05, num_classes: args.num_classes, loss_key: args.loss_key };
  }

  private numClasses(runner: BaseRunner): number | undefined {
    if (this.args.num_classes) return this.args.num_classes;
    const classes = runner.model.CLASSES ?? (runner.meta.CLASSES as string[] | undefined);
    return Array.isArray(classes) && classes.length >= 2 ? classes.length : undefined;
  }

  override beforeRun(runner: BaseRunner): void {
    // A resumed run is past its start; the plateau check is about the first intervals only.
    if (runner.iter > 0) this.state = 'off';
  }

  override afterTrainIter(runner: BaseRunner, _batchIdx: number, _dataBatch: Batch, outputs: TrainIterOutputs): void {
    if (this.state !== 'watching') return;
    const logVars = outputs.logVars;
    const key = this.args.loss_key ?? ('ce_loss' in logVars ? 'ce_loss' : 'loss');
    if (logVars[key] === undefined) return;
    this.count += 1;
    if (this.count < this.args.interval) return;
    // the values stay on the device in the log buffer: one read per interval, not one per step
    const mean = runner.logBuffer.latestMean(key, this.count);
    this.count = 0;
    if (mean === undefined || !Number.isFinite(mean)) return;
    const c = this.numClasses(runner);
    if (c === undefined) {
      this.state = 'off';
      return;
    }
    const chance = Math.log(c);
    if (Math.abs(mean - chance) > this.args.band) {
      this.state = 'left';
      return;
    }
    this.means.push(mean);
    if (this.means.length < this.args.intervals) return;
    this.state = 'warned';
    // every rank sees a similar loss; one warning per run, from the master
    if (!runner.isMaster) return;
    const iters = this.args.intervals * this.args.interval;
    this.logger.warn(
      `PlateauDetectorHook: the training ${key} stayed within ±${this.args.band} of ln(${c}) = ${chance.toFixed(3)}, ` +
        `the loss of a uniform guess over ${c} classes, for the first ${this.args.intervals} intervals (${iters} iterations; ` +
        `means ${this.means.map((m) => m.toFixed(3)).join(', ')}): the model is not learning yet. Usual causes: the learning rate ` +
        `is too high for this model (especially from scratch; try it 2-4x lower) or the warmup is too short (lr_config.warmup_iters); ` +
        `also check that the labels match the images. Set plateau_config=null to silence this check.`,
    );
  }
}
