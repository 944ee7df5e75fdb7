/**
 * Fast transposed `BatchMatMul` for wasm. The stock kernel takes a slow
 * non-XNNPACK path whenever `transposeA`/`transposeB` is set (every matmul
 * gradient and every `x @ W^T` linear does), so we materialise the
 * transposes (memory-bound, O(n^2)) and run the plain XNNPACK matmul (O(n^3)).
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
    const plain = stockKernel('BatchMatMul');
    if (!plain) throw new Error('wasm BatchMatMul: stock kernel missing');
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
