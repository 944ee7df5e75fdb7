/**
 * `DepthwiseConv2dNativeBackpropInput` for wasm (absent from the stock
 * backend). Same construction as Conv2DBackpropInput: a stride-1 valid
 * depthwise conv (wasm `DepthwiseConv2dNative`) of the stride-dilated, padded
 * dy with the spatially flipped filter, one channel per (c, m) pair, then a
 * sum over the channel multiplier m.
 */
import { tf } from '../../tf';
import { withOps } from './kernel-utils';

type TensorInfo = tf.TensorInfo;

export const depthwiseConv2dNativeBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'DepthwiseConv2dNativeBackpropInput',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { strides, dilations, pad, dimRoundingMode, inputShape } = attrs as unknown as {
      strides: number | [number, number];
      dilations: number | [number, number];
      pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
      inputShape: [number, number, number, number];
    };
    const fShape = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(inputShape, fShape, strides, dilations, pad, dimRoundingMode, true, 'channelsLast');
    if (info.dilationHeight !== 1 || info.dilationWidth !== 1) {
      throw new Error('wasm DepthwiseConv2dNativeBackpropInput: dilations > 1 are not supported');
    }
    const [n, h, w, c] = inputShape;
    const [kh, kw, , mult] = fShape;
    const { strideHeight: sh, strideWidth: sw } = info;
    const { top, left } = info.padInfo;
    const cm = c * mult;
    return withOps(backend, (ops) => {
      const dyp = ops.dilateAndPadForInputGrad(dy, { sh, sw, kh, kw, top, left, h, w });
      const flipped = ops.run('Reverse', { x: filter }, { dims: [0, 1] });
      const f1 = ops.reshape(flipped, [kh, kw, cm, 1]);
      const out = ops.run('DepthwiseConv2dNative', { x: dyp, filter: f1 }, {
        strides: [1, 1], pad: 'valid', dilations: [1, 1], dataFormat: 'NHWC', dimRoundingMode: undefined,
      }); // [n, h, w, c*mult]
      if (mult === 1) return ops.keep(out);
      const r = ops.reshape(out, [n, h, w, c, mult]);
      return ops.keep(ops.run('Sum', { x: r }, { axis: [4], keepDims: false }));
    });
  },
};
