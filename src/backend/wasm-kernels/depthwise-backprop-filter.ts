/**
 * `DepthwiseConv2dNativeBackpropFilter` for wasm (absent from the stock
 * backend): per tap, dW[kh,kw,c,m] = sum_M slice[M,c] * dy[M,c*mult+m], an
 * elementwise product reduced over M with the wasm `Multiply` and `Sum`.
 */
import { tf } from '../../tf';
import { tapProducts } from './conv2d-backprop-filter';
import { withOps } from './kernel-utils';

type TensorInfo = tf.TensorInfo;

export const depthwiseConv2dNativeBackpropFilterConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropFilter',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { x, dy } = inputs as { x: TensorInfo; dy: TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, filterShape } = attrs as unknown as {
      strides: number | [number, number];
      dilations: number | [number, number];
      pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      filterShape: [number, number, number, number];
    };
    const info = tf.backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number], filterShape, strides, dilations, pad, dimRoundingMode, true, 'channelsLast');
    const [kh, kw, c, mult] = filterShape;
    return withOps(backend, (ops) => {
      const taps = tapProducts(ops, x, dy, info, (o, slice, _dyT, dy2d) => {
        const m = slice.shape[0];
        const dy3 = o.reshape(dy2d, [m, c, mult]);
        const s3 = o.reshape(slice, [m, c, 1]);
        const prod = o.run('Multiply', { a: dy3, b: s3 });
        return o.run('Sum', { x: prod }, { axis: [0], keepDims: true }); // [1, c, mult]
      });
      const stacked = taps.length === 1 ? taps[0] : ops.run('Concat', taps, { axis: 0 });
      return ops.keep(ops.reshape(stacked, [kh, kw, c, mult]));
    });
  },
};
