/**
 * Fast `BatchMatMul` for wasm. The stock kernel runs XNNPACK only for one
 * untransposed matrix pair; anything else (every matmul gradient, every
 * `x @ W^T` linear, every batch of attention heads) takes a naive
 * single-threaded loop at a few GFLOP/s. So we materialise the transposes
 * (memory-bound, O(n^2)), fold a shared right operand into one tall left
 * operand, and run a batch of matrices as one XNNPACK matmul per matrix.
 *
 * For a wide output (N >= 2M, e.g. a linear layer [322,768] x [3072,768]^T)
 * XNNPACK is markedly faster computing C^T = op(B)^T op(A)^T (more rows, a
 * smaller packed right operand) and transposing C back; we do that when it
 * does not move more than twice the elements of the direct route.
 */
import { tf } from '../../tf';
import { stockKernel, withOps } from './kernel-utils';

type TensorInfo = tf.TensorInfo;

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const stock = stockKernel('BatchMatMul');
    if (!stock) throw new Error('wasm BatchMatMul: stock kernel missing');
    const plain: typeof stock = (args) => batchedPlain(stock, args.inputs as { a: TensorInfo; b: TensorInfo }, args.backend);
    if (!transposeA && !transposeB) return plain({ inputs, backend, attrs });
    const ra = a.shape.length;
    const rb = b.shape.length;
    const m = transposeA ? a.shape[ra - 1] : a.shape[ra - 2];
    const n = transposeB ? b.shape[rb - 2] : b.shape[rb - 1];
    const batch = Math.max(numel(a.shape.slice(0, -2)), numel(b.shape.slice(0, -2)));
    const movedDirect = (transposeA ? numel(a.shape) : 0) + (transposeB ? numel(b.shape) : 0);
    const movedSwapped = (transposeA ? 0 : numel(a.shape)) + (transposeB ? 0 : numel(b.shape)) + batch * m * n;
    const swap = n >= 2 * m && movedSwapped <= 2 * movedDirect;
    const noT = { ...attrs, transposeA: false, transposeB: false };
    return withOps(backend, (ops) => {
      if (!swap) {
        const a2 = transposeA ? ops.transposeLast2(a) : a;
        const b2 = transposeB ? ops.transposeLast2(b) : b;
        return plain({ inputs: { a: a2, b: b2 }, backend, attrs: noT }) as TensorInfo;
      }
      const left = transposeB ? b : ops.transposeLast2(b);
      const right = transposeA ? a : ops.transposeLast2(a);
      const ct = ops.adopt(plain({ inputs: { a: left, b: right }, backend, attrs: noT }) as TensorInfo);
      return ops.keep(ops.transposeLast2(ct));
    });
  },
};

type Kernel = NonNullable<ReturnType<typeof stockKernel>>;

/**
 * `a @ b` without transposes through the stock kernel's XNNPACK path: a right
 * operand shared by the whole batch folds the batch into the rows of one
 * matmul; equal batches run one matmul per matrix (copied in and out of the
 * heap: memory-bound, small against the matmul). Other broadcasts go to the
 * stock kernel.
 */
function batchedPlain(stock: Kernel, { a, b }: { a: TensorInfo; b: TensorInfo }, backend: unknown): TensorInfo {
  const noT = { transposeA: false, transposeB: false };
  const outer = tf.broadcast_util.assertAndGetBroadcastShape(a.shape.slice(0, -2), b.shape.slice(0, -2));
  const batchA = numel(a.shape.slice(0, -2));
  const batchB = numel(b.shape.slice(0, -2));
  const [m, k] = a.shape.slice(-2);
  const n = b.shape[b.shape.length - 1];
  const run = (x: TensorInfo, y: TensorInfo) => stock({ inputs: { a: x, b: y }, backend, attrs: noT }) as TensorInfo;
  if (batchA <= 1 && batchB <= 1) return run(a, b);
  return withOps(backend, (ops) => {
    if (batchB === 1) {
      const flat = ops.adopt(run(ops.reshape(a, [1, batchA * m, k]), ops.reshape(b, [1, k, n])));
      return ops.keep(ops.reshape(flat, [...outer, m, n]));
    }
    // one matrix of a for one of b: anything else (a two-sided broadcast) is left to the stock kernel
    if (batchA !== batchB || numel(outer) !== batchA) return ops.keep(ops.adopt(run(a, b)));
    const be = ops.backend;
    const out = ops.keep(ops.adopt(be.makeOutput([...outer, m, n], 'float32')));
    for (let i = 0; i < batchA; i++) {
      const ai = be.makeOutput([1, m, k], 'float32');
      const bi = be.makeOutput([1, k, n], 'float32');
      const made = [ai, bi];
      try {
        // views after makeOutput: a heap growth detaches older views
        be.typedArrayFromHeap(ai).set((be.typedArrayFromHeap(a) as Float32Array).subarray(i * m * k, (i + 1) * m * k));
        be.typedArrayFromHeap(bi).set((be.typedArrayFromHeap(b) as Float32Array).subarray(i * k * n, (i + 1) * k * n));
        const ci = run(ai, bi);
        made.push(ci);
        be.typedArrayFromHeap(out).set(be.typedArrayFromHeap(ci) as Float32Array, i * m * n);
      } finally {
        // freeing b's copy also frees the XNNPACK operator the stock kernel cached for it
        for (const t of made) be.disposeData(t.dataId);
      }
    }
    return out;
  });
}
