/**
 * Fast transposed `BatchMatMul` for wasm. The stock kernel takes a slow
 * non-XNNPACK path whenever `transposeA`/`transposeB` is set (every matmul
 * gradient does), so we materialise the transpose with the wasm `Transpose`
 * kernel (memory-bound, O(n^2)) and run the plain XNNPACK matmul (O(n^3)).
 */
import { tf } from '../../tf';
import { stockKernel, withOps } from './kernel-utils';

type TensorInfo = tf.TensorInfo;

function swapLast2(rank: number): number[] {
  const perm = Array.from({ length: rank }, (_, i) => i);
  perm[rank - 2] = rank - 1;
  perm[rank - 1] = rank - 2;
  return perm;
}

export const batchMatMulConfig: tf.KernelConfig = {
  kernelName: 'BatchMatMul',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const plain = stockKernel('BatchMatMul');
    if (!plain) throw new Error('wasm BatchMatMul: stock kernel missing');
    if (!transposeA && !transposeB) return plain({ inputs, backend, attrs });
    return withOps(backend, (ops) => {
      const a2 = transposeA ? ops.transpose(a, swapLast2(a.shape.length)) : a;
      const b2 = transposeB ? ops.transpose(b, swapLast2(b.shape.length)) : b;
      return plain({ inputs: { a: a2, b: b2 }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }) as TensorInfo;
    });
  },
};
