/**
 * Base class of every hook. A hook overrides only the stages it needs; its
 * default priority is the static `priority` class attribute (overridable per
 * instance by the config's `priority` key). Stages may be async: the runner
 * awaits each hook in priority order.
 */
import type { BaseRunner } from './base-runner';
import type { Batch } from '../contracts/data';
import type { tf } from '../tf';
import { Priority, type PriorityLike } from './priority';
import { LOGGER } from '../contracts/services';
import { injectField } from '../registry/registry';
import { consoleLogger, type Logger } from '../contracts/logger';

/**
 * What a training iteration hands its `afterTrainIter` hooks (MMEngine's
 * `outputs`): the gradients (the optimizer hook consumes them and sets the
 * field to undefined; the runner frees what is left), the log values still on
 * the device (the log buffer owns them) and the batch size.
 */
export interface TrainIterOutputs {
  grads?: Record<string, tf.Tensor>;
  logVars: Record<string, tf.Scalar>;
  numSamples: number;
}

/** What a validation iteration hands its `afterValIter` hooks: the batch's losses (numbers) and size. */
export interface ValIterOutputs {
  logVars: Record<string, number>;
  numSamples: number;
}

/** Every stage a hook can implement, in the order a run meets them. */
export const HOOK_STAGES = [
  'beforeRun',
  'beforeTrainEpoch',
  'beforeTrainIter',
  'afterTrainIter',
  'afterTrainEpoch',
  'beforeValEpoch',
  'beforeValIter',
  'afterValIter',
  'afterValEpoch',
  'beforeSaveCheckpoint',
  'afterLoadCheckpoint',
  'afterRun',
] as const;
export type HookStage = (typeof HOOK_STAGES)[number];

/** The checkpoint object hooks see in `beforeSaveCheckpoint`/`afterLoadCheckpoint`. */
export interface CheckpointPayload {
  meta: Record<string, unknown>;
  /** Extra named tensor groups written beside the weights (e.g. EMA weights), name -> Float32Array + shape. */
  extraTensors?: Map<string, { data: Float32Array; shape: number[] }>;
}

export abstract class Hook {
  /** Default priority of the class; subclasses override. */
  static priority: PriorityLike = Priority.NORMAL;
  /** Resolved priority of this instance (set by the runner on registration). */
  priority: number = Priority.NORMAL;
  /** Registered name, used in hook-order reports and checkpoint hook state. */
  abstract readonly name: string;
  /**
   * The run's logger, injected when the run builds the hook from its config
   * (`runner.registerHookFromCfg`); the console for a hook built by hand.
   */
  protected logger: Logger = consoleLogger();

  beforeRun?(runner: BaseRunner): void | Promise<void>;
  afterRun?(runner: BaseRunner): void | Promise<void>;
  beforeTrainEpoch?(runner: BaseRunner): void | Promise<void>;
  afterTrainEpoch?(runner: BaseRunner): void | Promise<void>;
  /** Before a training step (MMEngine's `before_train_iter(runner, batch_idx, data_batch)`). */
  beforeTrainIter?(runner: BaseRunner, batchIdx: number, dataBatch: Batch): void | Promise<void>;
  /** After a training step, with what it produced (MMEngine's `after_train_iter(runner, batch_idx, data_batch, outputs)`). */
  afterTrainIter?(runner: BaseRunner, batchIdx: number, dataBatch: Batch, outputs: TrainIterOutputs): void | Promise<void>;
  beforeValEpoch?(runner: BaseRunner): void | Promise<void>;
  afterValEpoch?(runner: BaseRunner): void | Promise<void>;
  beforeValIter?(runner: BaseRunner, batchIdx: number, dataBatch: Batch): void | Promise<void>;
  afterValIter?(runner: BaseRunner, batchIdx: number, dataBatch: Batch, outputs: ValIterOutputs): void | Promise<void>;
  beforeSaveCheckpoint?(runner: BaseRunner, ckpt: CheckpointPayload): void | Promise<void>;
  afterLoadCheckpoint?(runner: BaseRunner, ckpt: CheckpointPayload): void | Promise<void>;

  /** Hook state stored in `meta.hook_states[name]` for exact resume. */
  stateDict?(): Record<string, unknown>;
  loadStateDict?(state: Record<string, unknown>): void;

  // Trigger helpers (mmcv names, camelCase).
  everyNEpochs(runner: BaseRunner, n: number): boolean {
    return n > 0 ? (runner.epoch + 1) % n === 0 : false;
  }
  everyNIters(runner: BaseRunner, n: number): boolean {
    return n > 0 ? (runner.iter + 1) % n === 0 : false;
  }
  everyNInnerIters(runner: BaseRunner, n: number): boolean {
    return n > 0 ? (runner.innerIter + 1) % n === 0 : false;
  }
  endOfEpoch(runner: BaseRunner): boolean {
    return runner.innerIter + 1 === runner.iterLength;
  }
  isLastEpoch(runner: BaseRunner): boolean {
    return runner.epoch + 1 === runner.maxEpochs;
  }
  isLastIter(runner: BaseRunner): boolean {
    return runner.iter + 1 === runner.maxIters;
  }

  /** Stages this hook implements (for the hook-order report). */
  triggeredStages(): HookStage[] {
    return HOOK_STAGES.filter((s) => typeof (this as unknown as Record<string, unknown>)[s] === 'function');
  }
}

// `@inject(LOGGER) @optional()`, applied by a call (see injectField)
injectField(Hook, 'logger', LOGGER, { optional: true });
