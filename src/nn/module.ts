/**
 * A PyTorch-like module tree over tfjs. Parameters and buffers are tf.Variables
 * named by their position in the tree, so `stateDict()` keys are exactly the
 * keys of the corresponding PyTorch `state_dict()` (same order too: a module's
 * own parameters, then its own buffers, then its children in registration order).
 */
import type { LoadReport } from '../contracts/model';
import { tf } from '../tf';
import { tensorDataToTf, type TensorDataLike } from './tensor-data';
import { backendCopy } from './host-tensor';

/** What `loadStateDict` did not load. */
export type { LoadReport };

export interface LoadStateDictOptions {
  /** Throw when anything is missing, unexpected or mis-shaped (torch's default; mmcv loads with strict=false). */
  strict?: boolean;
}

/** Thrown by `loadStateDict({ strict: true })`; carries the full report. */
export class StateDictError extends Error {
  constructor(
    message: string,
    readonly report: LoadReport,
  ) {
    super(message);
    this.name = 'StateDictError';
  }
}

function checkName(kind: string, name: string, owner: Module): void {
  if (!name || name.includes('.')) {
    throw new Error(`${owner.constructor.name}: ${kind} name '${name}' must be non-empty and contain no '.'`);
  }
}

/** Keys listed per kind in a load report; the rest are counted (a wrong checkpoint misses hundreds). */
export const LOAD_REPORT_LIST_LIMIT = 10;

function listed(keys: string[], limit: number): string {
  if (keys.length <= limit) return keys.join(', ');
  return `${keys.slice(0, limit).join(', ')}, ... and ${keys.length - limit} more (${keys.length} in all)`;
}

/** Formats a report as the lines mmcv's `load_state_dict` logs: the first `limit` keys of each kind, then a count. */
export function formatLoadReport(r: LoadReport, limit = LOAD_REPORT_LIST_LIMIT): string {
  const lines: string[] = [];
  if (r.unexpected.length) lines.push(`unexpected key in source state_dict: ${listed(r.unexpected, limit)}`);
  if (r.missing.length) lines.push(`missing keys in source state_dict: ${listed(r.missing, limit)}`);
  for (const m of r.shapeMismatch.slice(0, limit)) {
    lines.push(`size mismatch for ${m.key}: copying a param with shape [${m.got}] from checkpoint, the shape in current model is [${m.expected}]`);
  }
  if (r.shapeMismatch.length > limit) lines.push(`... and ${r.shapeMismatch.length - limit} more size mismatches (${r.shapeMismatch.length} in all)`);
  return lines.join('\n');
}

export abstract class Module {
  /** Training mode (batch statistics in BatchNorm, active dropout); true by default like torch. */
  training = true;
  private readonly _parameters = new Map<string, tf.Variable>();
  private readonly _buffers = new Map<string, tf.Variable>();
  private readonly _modules = new Map<string, Module>();

  private assertFree(name: string): void {
    if (this._parameters.has(name) || this._buffers.has(name) || this._modules.has(name)) {
      throw new Error(`${this.constructor.name}: '${name}' is already registered`);
    }
  }

  /** Registers a trainable parameter. Takes ownership of `t` (it is disposed once copied into the variable). */
  registerParameter(name: string, t: tf.Tensor): tf.Variable {
    checkName('parameter', name, this);
    this.assertFree(name);
    const v = tf.variable(t, true);
    if (!(t instanceof tf.Variable)) t.dispose();
    this._parameters.set(name, v);
    return v;
  }

  /** Registers a non-trainable buffer (running statistics, counters). Takes ownership of `t`. */
  registerBuffer(name: string, t: tf.Tensor): tf.Variable {
    checkName('buffer', name, this);
    this.assertFree(name);
    const v = tf.variable(t, false);
    if (!(t instanceof tf.Variable)) t.dispose();
    this._buffers.set(name, v);
    return v;
  }

  /** Registers a child module; children are visited in registration order. */
  registerModule<M extends Module>(name: string, m: M): M {
    checkName('module', name, this);
    this.assertFree(name);
    this._modules.set(name, m);
    return m;
  }

  /** Direct children, in registration order. */
  namedChildren(): Array<[string, Module]> {
    return [...this._modules.entries()];
  }

  /** This module (name `prefix`) and every descendant, depth-first, like torch's `named_modules`. */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [[prefix, this]];
    for (const [n, m] of this._modules) out.push(...m.namedModules(prefix ? `${prefix}.${n}` : n));
    return out;
  }

  namedParameters(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [mp, m] of this.namedModules(prefix)) {
      for (const [n, v] of m._parameters) out.push([mp ? `${mp}.${n}` : n, v]);
    }
    return out;
  }

  namedBuffers(prefix = ''): Array<[string, tf.Variable]> {
    const out: Array<[string, tf.Variable]> = [];
    for (const [mp, m] of this.namedModules(prefix)) {
      for (const [n, v] of m._buffers) out.push([mp ? `${mp}.${n}` : n, v]);
    }
    return out;
  }

  /** Trainable variables, in `namedParameters` order (what the optimizer gets). */
  parameters(): tf.Variable[] {
    return this.namedParameters().map(([, v]) => v);
  }

  /** Own parameter / buffer / child by local name. */
  getParameter(name: string): tf.Variable | undefined {
    return this._parameters.get(name);
  }
  getBuffer(name: string): tf.Variable | undefined {
    return this._buffers.get(name);
  }
  getModule(name: string): Module | undefined {
    return this._modules.get(name);
  }

  /** Every parameter and buffer under its torch key: own params, own buffers, then children. */
  stateDict(prefix = ''): Map<string, tf.Variable> {
    const out = new Map<string, tf.Variable>();
    const walk = (m: Module, p: string) => {
      for (const [n, v] of m._parameters) out.set(p ? `${p}.${n}` : n, v);
      for (const [n, v] of m._buffers) out.set(p ? `${p}.${n}` : n, v);
      for (const [n, c] of m._modules) walk(c, p ? `${p}.${n}` : n);
    };
    walk(this, prefix);
    return out;
  }

  /**
   * Copies values from `sd` into the matching variables (keys are torch names).
   * Values may be checkpoint `TensorData` or tensors (tensors are not disposed).
   * Shape-mismatched entries are skipped and reported; with `strict` any problem throws.
   */
  loadStateDict(sd: Map<string, TensorDataLike | tf.Tensor>, opts: LoadStateDictOptions = {}): LoadReport {
    const own = this.stateDict();
    const report: LoadReport = { missing: [], unexpected: [], shapeMismatch: [] };
    for (const k of sd.keys()) if (!own.has(k)) report.unexpected.push(k);
    const updates: Array<[tf.Variable, TensorDataLike | tf.Tensor]> = [];
    for (const [k, v] of own) {
      const src = sd.get(k);
      if (src === undefined) {
        report.missing.push(k);
        continue;
      }
      const got = [...src.shape];
      if (got.length !== v.shape.length || got.some((d, i) => d !== v.shape[i])) {
        report.shapeMismatch.push({ key: k, expected: [...v.shape], got });
        continue;
      }
      updates.push([v, src]);
    }
    if (opts.strict && (report.missing.length || report.unexpected.length || report.shapeMismatch.length)) {
      throw new StateDictError(`Error(s) in loading state_dict for ${this.constructor.name}:\n${formatLoadReport(report)}`, report);
    }
    for (const [v, src] of updates) {
      tf.tidy(() => {
        const t = src instanceof tf.Tensor ? src : tensorDataToTf(src);
        // a copy of the backend's own (a cast makes one anyway): the loaded arrays are dropped now, not kept as the weights' memory
        v.assign(t.dtype === v.dtype ? backendCopy(t) : tf.cast(t, v.dtype));
      });
    }
    return report;
  }

  /** Sets training mode on this module and every descendant (entering training frees inference caches). */
  train(mode = true): this {
    for (const [, m] of this.namedModules()) {
      m.training = mode;
      if (mode) m.releaseDerived();
    }
    return this;
  }

  /**
   * Frees tensors a module derives from its variables for inference (cached
   * filter layouts, folded BatchNorm weights; see `fast-inference.ts`).
   * Called by `dispose()` and `train()`; layers with caches override it.
   */
  protected releaseDerived(): void {}

  eval(): this {
    return this.train(false);
  }

  /** Disposes every variable of the tree. The module must not be used afterwards. */
  dispose(): void {
    for (const [, m] of this.namedModules()) m.releaseDerived();
    for (const [, v] of this.namedParameters()) v.dispose();
    for (const [, v] of this.namedBuffers()) v.dispose();
  }
}

/** A module with a single-tensor forward (what `Sequential` chains). */
export interface TensorLayer extends Module {
  forward(x: tf.Tensor): tf.Tensor;
}
