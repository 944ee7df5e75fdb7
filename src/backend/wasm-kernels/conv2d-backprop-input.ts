/**
 * Fast `Conv2DBackpropInput` for wasm: the input gradient of a conv is a
 * stride-1 "valid" convolution (XNNPACK `Conv2D`) of the zero-dilated,
 * zero-padded dy with the spatially flipped filter whose in/out channels are
 * swapped. The stock kernel is a scalar loop.
 *
 *   dx[i] = sum_k dyd[i + top - k] w[k] = sum_k' dydpad[i + k'] w[K-1-k'],
 *   dyd = dy dilated by the stride, dydpad = dyd padded by K-1-top in front.
 *
 * Stride > 1 convolves the inserted zeros too (s^2 more flops for those few
 * layers); stride 1 costs exactly a forward conv.
 */
import { tf } from '../../tf';
import { withOps } from './kernel-utils';

type TensorInfo = tf.TensorInfo;

export const conv2DBackpropInputConfig: tf.KernelConfig = {
  kernelName: 'Conv2DBackpropInput',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, filter } = inputs as { dy: TensorInfo; filter: TensorInfo };
    const { inputShape, strides, pad, dataFormat, dimRoundingMode } = attrs as unknown as {
      inputShape: [number, number, number, number];
      strides: number | [number, number];
      pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
      dataFormat: 'NHWC' | 'NCHW';
      dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    if (dataFormat === 'NCHW') throw new Error('wasm Conv2DBackpropInput: only NHWC is supported');
    const fShape = filter.shape as [number, number, number, number];
    const info = tf.backend_util.computeConv2DInfo(inputShape, fShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
    const [, h, w] = inputShape;
    const [kh, kw] = fShape;
    const { strideHeight: sh, strideWidth: sw } = info;
    const { top, left } = info.padInfo;
    return withOps(backend, (ops) => {
      // 1-2. dilate dy by the stride, pad so that a valid KxK correlation yields exactly H x W
      const dyp = ops.dilateAndPadForInputGrad(dy, { sh, sw, kh, kw, top, left, h, w });
      // 3. flipped filter with swapped channels: [KH,KW,CO,CI]
      const flipped = ops.run('Reverse', { x: filter }, { dims: [0, 1] });
      const wT = ops.transpose(flipped, [0, 1, 3, 2]);
      const dx = ops.run('Conv2D', { x: dyp, filter: wT }, {
        strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined,
      });
      return ops.keep(dx);
    });
  },
};
