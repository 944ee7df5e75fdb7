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
 *
 * Two more releases happen earlier, while the forward records: tfjs's
 * gradients of Add, Sub, Reshape, Slice, Concat, Sum, Mean and PadV2 read
 * only the shapes of the inputs they save, yet saving keeps the inputs' data
 * alive until the backward reaches them (every residual branch, every
 * reshaped matmul output: about 40 % of APViT's saved activations). Their
 * saved tensors are disposed as the node is recorded (a disposed tensor keeps
 * its shape). And once the forward is done, the saved tensors of nodes that
 * do not lead to the loss (token ranking, metrics) are freed at once.
 */
import { tf } from '../tf';

interface TapeNode {
  kernelName?: string;
  gradient?: (dys: Array<tf.Tensor | null>) => Record<string, () => tf.Tensor>;
  saved?: tf.Tensor[];
  inputs?: Record<string, tf.Tensor>;
  outputs?: tf.Tensor[];
}

/**
 * Told a variable's gradient as soon as the backward walk has made it (the
 * tensor variableGrads will return; do not dispose it), so a distributed run
 * can start sending it while the rest of the backward runs. Only variables
 * that one tape node reads once are reported; others only appear in the result.
 */
export type GradReadyListener = (variableName: string, grad: tf.Tensor) => void;
let gradReady: GradReadyListener | null = null;

/** Installs (or with null removes) the process-wide {@link GradReadyListener}. */
export function setGradReadyListener(fn: GradReadyListener | null): void {
  gradReady = fn;
}

/**
 * For each tape node on a path to `y`, the input names that are the only read
 * of a variable in `vars` on such paths (tfjs prunes the other nodes, such as
 * the clones kernels save for their gradient, before the walk).
 */
function singleReads(onPath: Set<TapeNode>, vars: Map<number, tf.Variable>): Map<TapeNode, Map<string, tf.Variable>> {
  const uses = new Map<number, number>();
  for (const node of onPath) for (const t of Object.values(node.inputs ?? {})) if (vars.has(t.id)) uses.set(t.id, (uses.get(t.id) ?? 0) + 1);
  const out = new Map<TapeNode, Map<string, tf.Variable>>();
  for (const node of onPath) {
    for (const [k, t] of Object.entries(node.inputs ?? {})) {
      if (uses.get(t.id) !== 1) continue;
      if (!out.has(node)) out.set(node, new Map());
      out.get(node)!.set(k, vars.get(t.id)!);
    }
  }
  return out;
}

interface EngineWithTape {
  state: { activeTape: TapeNode[] | null };
}

/**
 * Kernels whose registered gradient (tfjs-core 4.x `gradients/*_grad`) reads
 * only `.shape`/`.rank` of its saved inputs. Checked against tfjs by
 * test/nn/tape-release.test.ts (same gradients as tf.variableGrads).
 */
const SHAPE_ONLY_SAVES = new Set(['Add', 'Sub', 'Reshape', 'Slice', 'Concat', 'Sum', 'Mean', 'PadV2']);

/** Records nodes as usual, but frees at once what shape-only gradients saved. */
function releaseShapeOnlySaves(tape: TapeNode[]): void {
  const push = tape.push;
  tape.push = (...nodes: TapeNode[]) => {
    for (const node of nodes) if (node.kernelName && SHAPE_ONLY_SAVES.has(node.kernelName)) for (const t of node.saved ?? []) t.dispose();
    return push.apply(tape, nodes);
  };
}

/** Tape nodes whose outputs lead to `y` (the only ones the backward walk visits), last first. */
function nodesToward(tape: TapeNode[], y: tf.Tensor): Set<TapeNode> {
  const leadsToY = new Set<number>([y.id]);
  const onPath = new Set<TapeNode>();
  for (let i = tape.length - 1; i >= 0; i--) {
    const node = tape[i];
    if (!(node.outputs ?? []).some((o) => leadsToY.has(o.id))) continue;
    onPath.add(node);
    for (const t of Object.values(node.inputs ?? {})) leadsToY.add(t.id);
  }
  return onPath;
}

function wrapTape(tape: TapeNode[], ready?: { listener: GradReadyListener; reads: Map<TapeNode, Map<string, tf.Variable>> }): void {
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
      const reads = ready?.reads.get(node);
      for (const [k, thunk] of Object.entries(g)) {
        const v = reads?.get(k);
        wrapped[k] = () => {
          const r = thunk();
          holders.set(r, (holders.get(r) ?? 0) + 1);
          // the variable's only read: this is its whole gradient
          if (v) ready!.listener(v.name, r);
          return r;
        };
      }
      return wrapped;
    };
  }
}

/** Options of {@link variableGradsReleasing}. */
export interface ReleasingOptions {
  /** Called between the forward (its unneeded saves released) and the backward, e.g. to trace memory. */
  afterForward?: () => void;
}

/** `tf.variableGrads(f, varList)` with the backward pass's intermediates released as soon as they are consumed. */
export function variableGradsReleasing(f: () => tf.Scalar, varList?: tf.Variable[], opts: ReleasingOptions = {}): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  return tf.variableGrads(() => {
    const tape = (tf.engine() as unknown as EngineWithTape).state.activeTape;
    const push = tape?.push;
    if (tape) releaseShapeOnlySaves(tape);
    let y: tf.Scalar;
    try {
      y = f();
    } finally {
      if (tape) tape.push = push!;
    }
    if (!tape) {
      opts.afterForward?.();
      return y;
    }
    const onPath = nodesToward(tape, y);
    for (const node of tape) if (!onPath.has(node)) for (const t of node.saved ?? []) t.dispose();
    const listener = gradReady;
    if (listener) {
      const vars = varList ?? Object.values(tf.engine().registeredVariables).filter((v) => v.trainable);
      wrapTape(tape, { listener, reads: singleReads(onPath, new Map(vars.map((v) => [v.id, v]))) });
    } else wrapTape(tape);
    opts.afterForward?.();
    return y;
  }, varList);
}
