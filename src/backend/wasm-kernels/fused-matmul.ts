/**
 * `_FusedMatMul` for wasm. The stock kernel returns wrong values when
 * `transposeB` (or `transposeA`) is combined with a bias (checked in
 * test/backend/grad-coverage.test.ts), and takes the slow path for any
 * transpose. As for `BatchMatMul`, we materialise the transposes and call the stock kernel untransposed, which is correct.
 */
import { tf } from '../../tf';
import { stockKernel, withOps } from './kernel-utils';

type TensorInfo = tf.TensorInfo;

export const fusedMatMulConfig: tf.KernelConfig = {
  kernelName: '_FusedMatMul',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { a, b } = inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = attrs as { transposeA: boolean; transposeB: boolean };
    const plain = stockKernel('_FusedMatMul');
    if (!plain) throw new Error('wasm _FusedMatMul: stock kernel missing');
    if (!transposeA && !transposeB) return plain({ inputs, backend, attrs });
    return withOps(backend, (ops) => {
      const a2 = transposeA ? ops.transposeLast2(a) : a;
      const b2 = transposeB ? ops.transposeLast2(b) : b;
      return plain({ inputs: { ...inputs, a: a2, b: b2 }, backend, attrs: { ...attrs, transposeA: false, transposeB: false } }) as TensorInfo;
    });
  },
};
