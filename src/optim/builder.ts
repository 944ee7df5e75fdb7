/**
 * `buildOptimizer`: the mmcv `build_optimizer` equivalent. The config node
 * `{ type, lr, weight_decay?, ..., paramwise_cfg?, constructor? }` is split into
 * the optimizer's own hyper-parameters (validated against its registered
 * schema by the registry's validator, which also fills defaults) and the parameter-group rules (see `paramwise.ts`).
 */
import { tf } from '../tf';
import { OPTIMIZERS } from '../registry/root';
import { Optimizer, OptimizerError } from './optimizer';
import { decideParams, groupDecisions, type ParamDecision, type ParamwiseCfg } from './paramwise';
import type { ParamGroupSpec } from './types';

export interface OptimizerCfg {
  type: string;
  lr?: number;
  weight_decay?: number;
  paramwise_cfg?: ParamwiseCfg;
  // `constructor: 'DefaultOptimizerConstructor'` (mmcv) is accepted through the index
  // signature: declaring it would clash with Object.prototype.constructor.
  [k: string]: unknown;
}

export interface BuildOptimizerOptions {
  /** Config path for error messages (default 'optimizer'). */
  path?: string;
}

/** The parameter groups (and per-parameter decisions) `buildOptimizer` would make. */
export function planParamGroups(
  namedParams: Array<[string, tf.Variable | { shape: number[] }]>,
  cfg: OptimizerCfg,
  moduleTypes?: Map<string, string>,
  opts: BuildOptimizerOptions = {},
): { groups: ParamGroupSpec[]; decisions: ParamDecision[] } {
  const path = opts.path ?? 'optimizer';
  const names = namedParams.map(([n]) => n);
  if (!cfg.paramwise_cfg) return { groups: [{ names }], decisions: names.map((name) => ({ name, lr: cfg.lr ?? NaN, weightDecay: cfg.weight_decay, rules: ['default'] })) };
  if (typeof cfg.lr !== 'number') throw new OptimizerError(`${path}.lr must be set when paramwise_cfg is used (got ${JSON.stringify(cfg.lr)})`);
  const decisions = decideParams(
    namedParams.map(([name, p]) => ({ name, shape: p.shape })),
    cfg.lr,
    typeof cfg.weight_decay === 'number' ? cfg.weight_decay : undefined,
    cfg.paramwise_cfg,
    moduleTypes,
    `${path}.paramwise_cfg`,
  );
  return { groups: groupDecisions(decisions), decisions };
}

/**
 * Builds an optimizer over `namedParams` (full dotted names, model order).
 * `moduleTypes` (param name -> 'norm' | 'dwconv' | 'conv' | 'linear' | ...)
 * feeds the `norm_decay_mult` / `dwconv_decay_mult` rules.
 */
export function buildOptimizer(
  namedParams: Array<[string, tf.Variable]>,
  cfg: OptimizerCfg,
  moduleTypes?: Map<string, string>,
  opts: BuildOptimizerOptions = {},
): Optimizer {
  const path = opts.path ?? 'optimizer';
  if (!cfg || typeof cfg !== 'object') throw new OptimizerError(`${path}: expected an optimizer config like {type: 'SGD', lr: 0.01}`);
  // Own keys only: a plain object inherits `constructor` (= Object) from its prototype.
  const ctor: unknown = Object.prototype.hasOwnProperty.call(cfg, 'constructor') ? (cfg as Record<string, unknown>).constructor : undefined;
  const paramwise_cfg = cfg.paramwise_cfg;
  const rest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(cfg)) if (k !== 'paramwise_cfg' && k !== 'constructor') rest[k] = v;
  if (ctor !== undefined && ctor !== 'DefaultOptimizerConstructor') {
    throw new OptimizerError(`${path}.constructor: '${String(ctor)}' is not available (only 'DefaultOptimizerConstructor')`);
  }
  const params = new Map<string, tf.Variable>();
  for (const [n, p] of namedParams) {
    if (params.has(n)) throw new OptimizerError(`${path}: duplicate parameter name '${n}'`);
    params.set(n, p);
  }
  const { groups } = planParamGroups(namedParams, { ...(rest as OptimizerCfg), paramwise_cfg }, moduleTypes, { path });
  const opt = OPTIMIZERS.build<unknown>(rest, { path });
  if (!(opt instanceof Optimizer)) {
    throw new OptimizerError(`${path}.type: '${String(cfg.type)}' does not build an Optimizer (extend src/optim/optimizer.ts Optimizer)`);
  }
  return opt.bindParams(groups, params);
}

