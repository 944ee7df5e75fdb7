/**
 * Base class of every optimizer. Built in two phases, like torch's
 * `Optimizer(params, defaults)`: the registry constructs it from the config's
 * hyper-parameters, then `buildOptimizer` binds the parameter groups made by
 * the optimizer constructor (`paramwise_cfg`).
 *
 * State tensors are `tf.Variable`s owned by the optimizer (free them with
 * `dispose()`); the gradient tensors passed to `step` stay owned by the caller.
 */
import { tf } from '../tf';
import { backendCopy } from '../nn/host-tensor';
import type { OptimizerState, OptimizerStateValue, ParamGroup, ParamGroupSpec } from './types';

export class OptimizerError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'OptimizerError';
  }
}

/** Mutable per-parameter state: tensors live in variables, counters in numbers. */
export type ParamState = Map<string, tf.Variable | number>;

export abstract class Optimizer {
  /** Registered name (`SGD`, `Adam`, ...), stored in the state dict. */
  abstract readonly type: string;
  readonly paramGroups: ParamGroup[] = [];
  protected readonly params = new Map<string, tf.Variable>();
  protected readonly state = new Map<string, ParamState>();
  private disposed = false;

  /** Hyper-parameters every new group starts with (lr, weightDecay, momentum, ...). */
  protected abstract groupDefaults(): { lr: number; weightDecay: number; [k: string]: unknown };

  /** Applies one update to `param` given its gradient; runs inside `tf.tidy`. */
  protected abstract updateParam(name: string, param: tf.Variable, grad: tf.Tensor, group: ParamGroup, state: ParamState): void;

  /**
   * Binds parameters. `specs` come from the optimizer constructor; every name
   * must be in `params`, and a parameter may belong to one group only.
   */
  bindParams(specs: ParamGroupSpec[], params: Map<string, tf.Variable>): this {
    if (this.paramGroups.length) throw new OptimizerError(`${this.type}: parameters are already bound`);
    const seen = new Set<string>();
    for (const spec of specs) {
      for (const n of spec.names) {
        const p = params.get(n);
        if (!p) throw new OptimizerError(`${this.type}: parameter group names unknown parameter '${n}'`);
        if (seen.has(n)) throw new OptimizerError(`${this.type}: parameter '${n}' appears in more than one group`);
        seen.add(n);
        this.params.set(n, p);
      }
      const d = this.groupDefaults();
      const lr = spec.lr ?? d.lr;
      this.paramGroups.push({
        ...d,
        names: [...spec.names],
        lr,
        initialLr: lr,
        weightDecay: spec.weightDecay ?? d.weightDecay,
      });
    }
    return this;
  }

  /** Names of every bound parameter, group by group. */
  paramNames(): string[] {
    return this.paramGroups.flatMap((g) => g.names);
  }

  /**
   * One optimization step. `grads` maps parameter NAME to gradient; parameters
   * without a gradient are skipped (torch: `p.grad is None`); a gradient for
   * a name the optimizer does not own is an error (it usually means tf
   * variable names were passed instead of parameter names). Gradients are
   * not disposed.
   */
  step(grads: Record<string, tf.Tensor>): void {
    this.checkAlive();
    if (!this.paramGroups.length) throw new OptimizerError(`${this.type}.step: no parameters bound (build it with buildOptimizer, or call bindParams)`);
    // Check every gradient first so a bad one leaves all parameters untouched.
    for (const [k, g] of Object.entries(grads)) {
      const p = this.params.get(k);
      if (!p) {
        const example = this.params.keys().next().value;
        throw new OptimizerError(
          `${this.type}.step: gradient for unknown parameter '${k}' (gradients must be keyed by parameter name, e.g. '${example}')`,
        );
      }
      if (g && !sameShape(p.shape, g.shape)) {
        throw new OptimizerError(`${this.type}.step: gradient of '${k}' has shape [${g.shape}] but the parameter has [${p.shape}]`);
      }
    }
    for (const group of this.paramGroups) {
      for (const name of group.names) {
        const g = grads[name];
        if (!g) continue;
        const p = this.params.get(name)!;
        let st = this.state.get(name);
        if (!st) this.state.set(name, (st = new Map()));
        const s = st;
        tf.tidy(() => this.updateParam(name, p, g, group, s));
      }
    }
  }

  /** Sets every group's LR (one value per group, or one value for all); used by LR hooks. */
  setLr(groupLrs: number[] | number): void {
    const lrs = typeof groupLrs === 'number' ? this.paramGroups.map(() => groupLrs) : groupLrs;
    if (lrs.length !== this.paramGroups.length) {
      throw new OptimizerError(`${this.type}.setLr: got ${lrs.length} values for ${this.paramGroups.length} parameter groups`);
    }
    lrs.forEach((lr, i) => {
      if (!Number.isFinite(lr) || lr < 0) throw new OptimizerError(`${this.type}.setLr: invalid lr ${lr} for group ${i}`);
      this.paramGroups[i].lr = lr;
    });
  }

  /** Current LR of each group. */
  getLr(): number[] {
    return this.paramGroups.map((g) => g.lr);
  }

  /** The `initial_lr` of each group: the base LRs LR policies scale. */
  getInitialLr(): number[] {
    return this.paramGroups.map((g) => g.initialLr);
  }

  /** Plain JSON + Float32Arrays, state keyed by parameter name (copies, safe to keep). */
  stateDict(): OptimizerState {
    this.checkAlive();
    const state: OptimizerState['state'] = {};
    for (const [name, st] of this.state) {
      const out: Record<string, OptimizerStateValue> = {};
      for (const [k, v] of st) out[k] = typeof v === 'number' ? v : new Float32Array(v.dataSync() as Float32Array);
      state[name] = out;
    }
    return {
      type: this.type,
      paramGroups: this.paramGroups.map((g) => cloneGroup(g)),
      state,
    };
  }

  /**
   * Restores a state dict. Groups are matched by their set of names (falling
   * back to position when the group count matches), hyper-parameters are
   * restored, and per-parameter state is matched by name. With `strict`
   * (default) state for parameters this optimizer does not own is an error.
   */
  loadStateDict(s: OptimizerState, opts: { strict?: boolean } = {}): void {
    this.checkAlive();
    const strict = opts.strict ?? true;
    if (!s || typeof s !== 'object' || !Array.isArray(s.paramGroups) || typeof s.state !== 'object') {
      throw new OptimizerError(`${this.type}.loadStateDict: not an optimizer state (needs type, paramGroups, state)`);
    }
    if (s.type !== this.type) {
      throw new OptimizerError(`${this.type}.loadStateDict: the state was saved by a '${s.type}' optimizer`);
    }
    const key = (names: string[]) => [...names].sort().join('\n');
    const byNames = new Map(s.paramGroups.map((g) => [key(g.names), g]));
    const matches = this.paramGroups.map((g, i) => {
      let saved = byNames.get(key(g.names));
      if (!saved) {
        if (s.paramGroups.length !== this.paramGroups.length) {
          throw new OptimizerError(
            `${this.type}.loadStateDict: the state has ${s.paramGroups.length} parameter groups, the optimizer ${this.paramGroups.length}, and group ${i} (${g.names.length} params, first '${g.names[0]}') matches none by name`,
          );
        }
        saved = s.paramGroups[i];
      }
      return saved;
    });
    const unknown = Object.keys(s.state).filter((n) => !this.params.has(n));
    if (strict && unknown.length) {
      throw new OptimizerError(`${this.type}.loadStateDict: state for unknown parameters: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', ...' : ''}`);
    }
    // Validate everything first so a bad state leaves the optimizer untouched.
    for (const [name, entry] of Object.entries(s.state)) {
      const p = this.params.get(name);
      if (!p) continue;
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v === 'number') continue;
        const arr = asFloat32(v);
        if (!arr || arr.length !== p.size) {
          throw new OptimizerError(
            `${this.type}.loadStateDict: state '${k}' of '${name}' has ${arr ? arr.length : 'no numeric'} values, the parameter ${p.size} [${p.shape}]`,
          );
        }
      }
    }
    this.paramGroups.forEach((g, i) => {
      for (const [k, v] of Object.entries(matches[i])) if (k !== 'names') g[k] = Array.isArray(v) ? [...v] : v;
    });
    this.disposeState();
    for (const [name, entry] of Object.entries(s.state)) {
      const p = this.params.get(name);
      if (!p) continue;
      const st: ParamState = new Map();
      for (const [k, v] of Object.entries(entry)) {
        if (typeof v === 'number') {
          st.set(k, v);
          continue;
        }
        // a copy of the backend's own (see nn/host-tensor): the checkpoint's arrays are not kept as the state's memory
        const t = tf.tidy(() => backendCopy(tf.tensor(asFloat32(v) as Float32Array, p.shape, 'float32')));
        st.set(k, tf.variable(t, false));
        t.dispose();
      }
      this.state.set(name, st);
    }
  }

  /** Frees every state variable. The optimizer is unusable afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposeState();
    this.disposed = true;
  }

  /** Gets a state variable, creating it from `init()` (run in the caller's tidy, kept). */
  protected stateVar(st: ParamState, key: string, init: () => tf.Tensor): tf.Variable {
    let v = st.get(key);
    if (v === undefined) {
      const t = init();
      v = tf.variable(t, false);
      st.set(key, v);
    }
    return v as tf.Variable;
  }

  private disposeState(): void {
    for (const st of this.state.values()) this.disposeParamState(st);
    this.state.clear();
  }

  private disposeParamState(st: ParamState): void {
    for (const v of st.values()) if (typeof v !== 'number') v.dispose();
  }

  private checkAlive(): void {
    if (this.disposed) throw new OptimizerError(`${this.type}: the optimizer was disposed`);
  }
}

function sameShape(a: number[], b: number[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

function cloneGroup(g: ParamGroup): OptimizerState['paramGroups'][number] {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(g)) out[k] = Array.isArray(v) ? [...v] : v;
  return out as OptimizerState['paramGroups'][number];
}

/**
 * Float32 view of a saved state value: a Float32Array, another typed array,
 * a number[] (state that went through JSON) or a TensorData-like
 * `{ data: TypedArray }` (checkpoint readers). undefined when not numeric.
 */
function asFloat32(v: unknown): Float32Array | undefined {
  if (v instanceof Float32Array) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const a = v as unknown as ArrayLike<number | bigint>;
    return Float32Array.from({ length: a.length }, (_, i) => Number(a[i]));
  }
  if (Array.isArray(v) && v.every((x) => typeof x === 'number')) return Float32Array.from(v);
  if (v && typeof v === 'object' && 'data' in v) return asFloat32((v as { data: unknown }).data);
  return undefined;
}
