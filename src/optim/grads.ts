/**
 * Gradients keyed by PARAMETER name (what `Optimizer.step` and
 * `clipGradNorm` take). `tf.variableGrads` keys by tf variable name, which
 * differs from the model's dotted names; this maps them back.
 */
import { tf } from '../tf';
import { variableGradsReleasing } from '../nn/tape-release';

export interface NamedGrads {
  /** The loss returned by `f` (caller disposes). */
  value: tf.Scalar;
  /** Gradient per parameter name; parameters the loss does not reach are absent (torch: grad None). */
  grads: Record<string, tf.Tensor>;
}

/** `tf.variableGrads(f, params)` with the result keyed by parameter name. */
export function namedVariableGrads(f: () => tf.Scalar, namedParams: Array<[string, tf.Variable]>): NamedGrads {
  const byVar = new Map<string, string>();
  for (const [name, v] of namedParams) byVar.set(v.name, name);
  const vars = namedParams.map(([, v]) => v).filter((v) => v.trainable);
  const { value, grads } = variableGradsReleasing(f, vars);
  const out: Record<string, tf.Tensor> = {};
  for (const [varName, g] of Object.entries(grads)) {
    const name = byVar.get(varName);
    if (name === undefined) {
      g.dispose();
      continue;
    }
    out[name] = g;
  }
  return { value, grads: out };
}

/** Disposes every gradient of a record. */
export function disposeGrads(grads: Record<string, tf.Tensor>): void {
  for (const g of Object.values(grads)) g?.dispose();
}
