/**
 * `tf.variableGrads` that frees the backward pass's memory as it goes.
 *
 * tfjs-core's backprop keeps every intermediate gradient (one per tensor
 * recorded in the forward) and every tensor saved for the backward until the
 * whole gradient computation ends, so a training step's peak is roughly the
 * forward activations twice over. Here, once f() has recorded the tape, each
 * node's gradient function is wrapped: when the walk reaches the next node,
 * the previous node's output gradients (consumed by then) and its saved
 * tensors are disposed. A gradient tensor that a gradient function handed
 * on unchanged (so another tensor's gradient is the same object) is freed
 * only when its last holder is done. Same numbers; only memory changes.
 */
import { tf } from '../tf';

interface TapeNode {
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
}

interface EngineWithTape {
  state: { activeTape: TapeNode[] | null };
}

function wrapTape(tape: TapeNode[]): void {
  /** Thunk results still held as some tensor's accumulated gradient, by object. */
  const holders = new Map<tf.Tensor, number>();
  let pending: { dys: Array<tf.Tensor | null>; saved: tf.Tensor[] } | null = null;
  const flush = () => {
    if (!pending) return;
    for (const dy of pending.dys) {
      if (!dy || dy.isDisposed) continue;
      const n = holders.get(dy) ?? 0;
      if (n > 1) holders.set(dy, n - 1);
      else {
        holders.delete(dy);
        dy.dispose();
      }
    }
    for (const t of pending.saved) t.dispose();
    pending = null;
  };
  for (const node of tape) {
    const orig = node.gradient;
    if (!orig) continue;
    node.gradient = (dys) => {
      // the walk is sequential: the previous node's thunks have all run
      flush();
      // each dy is held once, as its output's accumulated gradient
      for (const dy of dys) if (dy && !holders.has(dy)) holders.set(dy, 1);
      const g = orig(dys);
      pending = { dys, saved: node.saved ?? [] };
      const wrapped: Record<string, () => tf.Tensor> = {};
      for (const [k, thunk] of Object.entries(g)) {
        wrapped[k] = () => {
          const r = thunk();
          holders.set(r, (holders.get(r) ?? 0) + 1);
          return r;
        };
      }
      return wrapped;
    };
  }
}

/** `tf.variableGrads(f, varList)` with the backward pass's intermediates released as soon as they are consumed. */
export function variableGradsReleasing(f: () => tf.Scalar, varList?: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  return tf.variableGrads(() => {
    const y = f();
    const tape = (tf.engine() as unknown as EngineWithTape).state.activeTape;
    if (tape) wrapTape(tape);
    return y;
  }, varList);
}
