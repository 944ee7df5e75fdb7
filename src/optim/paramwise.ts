/**
 * Parameter groups from `paramwise_cfg`, with the semantics of mmcv 1.x
 * `DefaultOptimizerConstructor.add_params` (plus MMEngine's `flat_decay_mult`):
 *
 * - The name tested against `custom_keys` is mmcv's `f'{prefix}.{name}'`:
 *   the full parameter name, except that a parameter registered directly on
 *   the root module gets a leading dot (`cls_token` -> `.cls_token`). A key
 *   matches when it is a SUBSTRING of that name; keys are tried longest first,
 *   alphabetical among equal lengths, and the first match wins. A matching key
 *   sets `lr = base_lr * lr_mult` and (when `weight_decay` is set)
 *   `weight_decay = base_wd * decay_mult` (both default 1), and skips every
 *   other rule. Consequence kept on purpose: APViT's keys such as
 *   `'.vit.cls_token'` never match `vit.cls_token` (spec section 8).
 * - Otherwise: `bias_lr_mult` for parameters named `bias` outside norm layers;
 *   then, when `weight_decay` is set, the first of: norm layer ->
 *   `norm_decay_mult`; depthwise conv -> `dwconv_decay_mult`; `bias` ->
 *   `bias_decay_mult`; 1-D parameter -> `flat_decay_mult` (only when given).
 *   The mmcv multipliers default to 1, so a norm-layer bias never falls
 *   through to the bias or flat rules, as in mmcv 1.x.
 * - Which parameters belong to norm / depthwise-conv layers comes from
 *   `moduleTypes` (param name -> 'norm' | 'dwconv' | ...). Without it, norm
 *   parameters are inferred from the owning module's last name segment
 *   ({@link looksLikeNormModule}: `bn`, `bn1`, `norm`, `norm1`, `ln`, `gn`,
 *   `layernorm`, `pre_norm`, ...), which misses norms inside numbered
 *   Sequentials (e.g. IRSE's `body.0.res_layer.1`); depthwise convs are never
 *   inferred.
 *
 * Parameters with identical (lr, weight_decay) are merged into one group in
 * order of first appearance (mmcv makes one group per parameter; the updates
 * are identical).
 */
import { OptimizerError } from './optimizer';
import type { ParamGroupSpec } from './types';

export interface CustomKeyCfg {
  lr_mult?: number;
  decay_mult?: number;
}

/** `optimizer.paramwise_cfg` (mmcv names). */
export interface ParamwiseCfg {
  custom_keys?: Record<string, CustomKeyCfg>;
  bias_lr_mult?: number;
  bias_decay_mult?: number;
  norm_decay_mult?: number;
  dwconv_decay_mult?: number;
  flat_decay_mult?: number;
  /** Accepted for compatibility; parameter names are unique here, so there is nothing to bypass. */
  bypass_duplicate?: boolean;
}

const PARAMWISE_KEYS = ['custom_keys', 'bias_lr_mult', 'bias_decay_mult', 'norm_decay_mult', 'dwconv_decay_mult', 'flat_decay_mult', 'bypass_duplicate'];
const CUSTOM_KEY_KEYS = ['lr_mult', 'decay_mult'];

/** Which rule decided a parameter's options (for logs and tests). */
export type ParamRule = 'default' | `custom_keys:${string}` | 'norm' | 'dwconv' | 'bias' | 'flat';

export interface ParamDecision {
  name: string;
  lr: number;
  /** undefined: the optimizer's default weight decay (base weight_decay not set). */
  weightDecay?: number;
  /** Rules applied, e.g. ['bias'] or ['custom_keys:pos_embed']. */
  rules: ParamRule[];
}

export interface ParamInfo {
  name: string;
  /** Tensor shape (rank 1 = "flat"). */
  shape: number[];
}

/** True when a module's last name segment looks like a normalization layer. */
export function looksLikeNormModule(moduleName: string): boolean {
  const last = moduleName.split('.').pop() ?? '';
  return /^(?:[a-z0-9]+_)*(?:bn|ln|gn|norm|batchnorm|layernorm|groupnorm|instancenorm|batch_norm|layer_norm|group_norm|instance_norm)\d*$/i.test(last);
}

/** mmcv's `f'{prefix}.{name}'`: root-module parameters get a leading dot. */
export function mmcvParamKey(fullName: string): string {
  return fullName.includes('.') ? fullName : `.${fullName}`;
}

/** Custom keys in mmcv's try order: longest first, alphabetical among equal lengths. */
export function sortCustomKeys(keys: string[]): string[] {
  return [...keys].sort().sort((a, b) => b.length - a.length);
}

function checkNumber(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new OptimizerError(`${where} must be a finite number (got ${JSON.stringify(v)})`);
  return v;
}

/** Validates `paramwise_cfg` (mmcv `_validate_cfg` plus unknown-key checks). */
export function validateParamwiseCfg(cfg: unknown, baseWd: number | undefined, path = 'optimizer.paramwise_cfg'): ParamwiseCfg {
  if (cfg === undefined || cfg === null) return {};
  if (typeof cfg !== 'object' || Array.isArray(cfg)) throw new OptimizerError(`${path} must be an object`);
  const c = cfg as Record<string, unknown>;
  for (const k of Object.keys(c)) {
    if (!PARAMWISE_KEYS.includes(k)) throw new OptimizerError(`${path}.${k}: unknown key (allowed: ${PARAMWISE_KEYS.join(', ')})`);
  }
  for (const k of ['bias_lr_mult', 'bias_decay_mult', 'norm_decay_mult', 'dwconv_decay_mult', 'flat_decay_mult']) {
    if (c[k] !== undefined) checkNumber(c[k], `${path}.${k}`);
  }
  for (const k of ['bias_decay_mult', 'norm_decay_mult', 'dwconv_decay_mult', 'flat_decay_mult']) {
    if (c[k] !== undefined && baseWd === undefined) throw new OptimizerError(`${path}.${k} needs optimizer.weight_decay to be set (mmcv: base_wd should not be None)`);
  }
  if (c.custom_keys !== undefined) {
    const ck = c.custom_keys;
    if (typeof ck !== 'object' || ck === null || Array.isArray(ck)) {
      throw new OptimizerError(`${path}.custom_keys must be an object of {key: {lr_mult, decay_mult}} (got ${JSON.stringify(ck)})`);
    }
    for (const [key, v] of Object.entries(ck as Record<string, unknown>)) {
      const where = `${path}.custom_keys['${key}']`;
      if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new OptimizerError(`${where} must be an object like {lr_mult: 1, decay_mult: 0}`);
      for (const [kk, vv] of Object.entries(v as Record<string, unknown>)) {
        if (!CUSTOM_KEY_KEYS.includes(kk)) throw new OptimizerError(`${where}.${kk}: unknown key (allowed: ${CUSTOM_KEY_KEYS.join(', ')})`);
        checkNumber(vv, `${where}.${kk}`);
      }
      if ((v as CustomKeyCfg).decay_mult !== undefined && baseWd === undefined) {
        throw new OptimizerError(`${where}.decay_mult needs optimizer.weight_decay to be set (mmcv: base_wd should not be None)`);
      }
    }
  }
  return c as ParamwiseCfg;
}

/**
 * Decides lr / weight decay of every parameter. `moduleTypes` maps a
 * parameter name to the kind of module that owns it ('norm', 'dwconv', ...).
 */
export function decideParams(
  params: ParamInfo[],
  baseLr: number,
  baseWd: number | undefined,
  paramwiseCfg: ParamwiseCfg | undefined,
  moduleTypes?: Map<string, string>,
  path = 'optimizer.paramwise_cfg',
): ParamDecision[] {
  const cfg = validateParamwiseCfg(paramwiseCfg, baseWd, path);
  const customKeys = cfg.custom_keys ?? {};
  const sortedKeys = sortCustomKeys(Object.keys(customKeys));
  const biasLrMult = cfg.bias_lr_mult ?? 1;
  const biasDecayMult = cfg.bias_decay_mult ?? 1;
  const normDecayMult = cfg.norm_decay_mult ?? 1;
  const dwconvDecayMult = cfg.dwconv_decay_mult ?? 1;
  const flatDecayMult = cfg.flat_decay_mult;

  return params.map(({ name, shape }) => {
    const d: ParamDecision = { name, lr: baseLr, weightDecay: baseWd, rules: [] };
    const key = mmcvParamKey(name);
    const matched = sortedKeys.find((k) => key.includes(k));
    if (matched !== undefined) {
      const ck = customKeys[matched];
      d.lr = baseLr * (ck.lr_mult ?? 1);
      if (baseWd !== undefined) d.weightDecay = baseWd * (ck.decay_mult ?? 1);
      d.rules.push(`custom_keys:${matched}`);
      return d;
    }
    const dot = name.lastIndexOf('.');
    const leaf = dot >= 0 ? name.slice(dot + 1) : name;
    const moduleName = dot >= 0 ? name.slice(0, dot) : '';
    const kind = moduleTypes ? moduleTypes.get(name) : looksLikeNormModule(moduleName) ? 'norm' : undefined;
    const isNorm = kind === 'norm';
    const isDw = kind === 'dwconv';
    const isBias = leaf === 'bias';
    if (isBias && !isNorm && cfg.bias_lr_mult !== undefined) {
      d.lr = baseLr * biasLrMult;
      d.rules.push('bias');
    }
    if (baseWd !== undefined) {
      if (isNorm) {
        d.weightDecay = baseWd * normDecayMult;
        if (cfg.norm_decay_mult !== undefined) d.rules.push('norm');
      } else if (isDw) {
        d.weightDecay = baseWd * dwconvDecayMult;
        if (cfg.dwconv_decay_mult !== undefined) d.rules.push('dwconv');
      } else if (isBias) {
        d.weightDecay = baseWd * biasDecayMult;
        if (cfg.bias_decay_mult !== undefined && !d.rules.includes('bias')) d.rules.push('bias');
      } else if (shape.length === 1 && flatDecayMult !== undefined) {
        d.weightDecay = baseWd * flatDecayMult;
        d.rules.push('flat');
      }
    }
    if (!d.rules.length) d.rules.push('default');
    return d;
  });
}

/** Merges decisions with equal (lr, weight decay) into groups, in order of first appearance. */
export function groupDecisions(decisions: ParamDecision[]): ParamGroupSpec[] {
  const groups = new Map<string, ParamGroupSpec>();
  for (const d of decisions) {
    const k = `${d.lr}|${d.weightDecay}`;
    let g = groups.get(k);
    if (!g) {
      g = { names: [], lr: d.lr, ...(d.weightDecay !== undefined ? { weightDecay: d.weightDecay } : {}) };
      groups.set(k, g);
    }
    g.names.push(d.name);
  }
  return [...groups.values()];
}
