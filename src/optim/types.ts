/**
 * Shared optimizer types. A parameter group is the unit the LR/momentum hooks
 * act on; its hyper-parameters mirror a torch `param_group` dict (camelCase).
 */

/** One parameter group, like a torch `optimizer.param_groups[i]`. */
export interface ParamGroup {
  /** Full dotted parameter names (torch `named_parameters` names), in model order. */
  names: string[];
  /** Current learning rate (set by LR hooks through `Optimizer.setLr`). */
  lr: number;
  /** The LR the group started with (mmcv `initial_lr`): the `base_lr` of LR policies. */
  initialLr: number;
  /** Weight decay of this group (coupled L2 for SGD/Adam, decoupled for AdamW). */
  weightDecay: number;
  /** Optimizer-specific hyper-parameters (momentum, betas, eps, ...). */
  [k: string]: unknown;
}

/** Per-group overrides produced by the optimizer constructor (`paramwise_cfg`). */
export interface ParamGroupSpec {
  names: string[];
  /** Absent: the optimizer's `lr`. */
  lr?: number;
  /** Absent: the optimizer's default `weight_decay` (0 for SGD/Adam, 0.01 for AdamW, as torch). */
  weightDecay?: number;
}

/** A state entry value: a step counter or a tensor copied out as float32. */
export type OptimizerStateValue = number | Float32Array;

/**
 * Serializable optimizer state: plain JSON plus Float32Arrays.
 * `state` is keyed by parameter NAME (not index) so that resuming survives a
 * different parameter order; per-parameter keys follow torch
 * (`momentum_buffer`, `step`, `exp_avg`, `exp_avg_sq`, `max_exp_avg_sq`).
 */
export interface OptimizerState {
  type: string;
  paramGroups: Array<{ names: string[]; lr: number; initialLr: number; weightDecay: number; [k: string]: unknown }>;
  state: Record<string, Record<string, OptimizerStateValue>>;
}
// loadStateDict also accepts other typed arrays, number[] and `{ data }` objects for tensor entries.
