/**
 * Backend-neutral NHWC convolutions with PyTorch's symmetric numeric padding.
 *
 * tfjs-node (`tensorflow`) refuses a bare number as padding in every conv and
 * pooling kernel; its forward Conv2D / DepthwiseConv2dNative accept explicit
 * padding, and its backprop kernels accept only 'valid' / 'same'. So: forward
 * convs pass explicit padding (every backend accepts it), and every gradient
 * is computed against the zero-padded input with 'valid' padding, then
 * cropped. The same numbers on cpu, wasm and tensorflow, and no
 * backend-specific branch.
 */
import { tf } from '../../tf';

/** tfjs NHWC explicit padding `[[0,0],[top,bottom],[left,right],[0,0]]`. */
export type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/** `pad` as a padding every backend's forward conv accepts: 'valid' for 0, else explicit. */
export function convPad(pad: number): 'valid' | ExplicitPadding {
  if (!Number.isInteger(pad) || pad < 0) throw new Error(`convPad: padding must be a non-negative integer, got ${pad}`);
  return pad === 0 ? 'valid' : [[0, 0], [pad, pad], [pad, pad], [0, 0]];
}

/** Zero-pads H and W of an NHWC tensor by `pad` on each side (identity for 0). */
export function padSpatial(x: tf.Tensor4D, pad: number): tf.Tensor4D {
  return pad ? tf.pad(x, [[0, 0], [pad, pad], [pad, pad], [0, 0]]) : x;
}

/**
 * Whether the active backend's Conv2DBackpropFilter beats the forward-conv
 * formulation below: TensorFlow's (oneDNN / cuDNN) does; the stock cpu one is
 * element-wise and about 100× slower.
 */
function hasFastFilterGradient(): boolean {
  return tf.getBackend() === 'tensorflow';
}

/**
 * conv2d(x NHWC, filter HWIO) with symmetric `pad` and a hand-written
 * gradient: dx is a 'valid' Conv2DBackpropInput into the padded shape, then
 * cropped; dW is the backend's Conv2DBackpropFilter on the padded input where
 * that is fast, else itself a (dilated) stride-1 forward convolution.
 */
export function conv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  const op = tf.customGrad(((...inputs: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [xi, fi, save] = inputs as [tf.Tensor4D, tf.Tensor4D, tf.GradSaveFunc];
    const value = tf.conv2d(xi, fi, stride, convPad(pad), 'NHWC');
    save([xi, fi]);
    return {
      value,
      // the gradient runs outside any tidy scope (tfjs customGrad): free its temporaries here
      gradFunc: (dy: tf.Tensor4D, saved: tf.Tensor[]) => tf.tidy(() => conv2dGrads(saved[0] as tf.Tensor4D, saved[1] as tf.Tensor4D, dy, stride, pad)),
    };
  }) as Parameters<typeof tf.customGrad>[0]);
  return op(x, filter) as tf.Tensor4D;
}

/**
 * [dx, dW] of conv2d(xs, f, stride, pad) for the output gradient dy: dx is a
 * 'valid' Conv2DBackpropInput into the padded shape, then cropped; dW is the
 * backend's Conv2DBackpropFilter on the padded input where that is fast, else
 * itself a (dilated) stride-1 forward convolution.
 */
export function conv2dGrads(xs: tf.Tensor4D, f: tf.Tensor4D, dy: tf.Tensor4D, stride: number, pad: number): [tf.Tensor4D, tf.Tensor4D] {
  const [kh, kw, cin, cout] = f.shape;
  const xp = padSpatial(xs, pad);
  const dxp = tf.conv2dTranspose(dy, f, xp.shape, stride, 'valid');
  const dx = pad ? tf.slice(dxp, [0, pad, pad, 0], xs.shape) : dxp;
  if (hasFastFilterGradient()) {
    const attrs = { strides: stride, pad: 'valid', dataFormat: 'NHWC', filterShape: f.shape };
    return [dx, tf.engine().runKernel('Conv2DBackpropFilter', { x: xp, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor4D];
  }
  // dW[di,dj,c,o] = Σ_{b,i,j} xp[b, i·s+di, j·s+dj, c]·dy[b,i,j,o]: a stride-1 convolution of
  // xp (batch and channels swapped) with dy as the filter, dilated by the stride
  const xt = tf.transpose(xp, [3, 1, 2, 0]) as tf.Tensor4D; // [cin, Hp, Wp, b]
  const dyf = tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D; // [ho, wo, b, cout]
  let g = tf.conv2d(xt, dyf, 1, 'valid', 'NHWC', stride); // [cin, >=kh, >=kw, cout]
  if (g.shape[1] !== kh || g.shape[2] !== kw) g = tf.slice(g, [0, 0, 0, 0], [cin, kh, kw, cout]);
  return [dx, tf.transpose(g, [1, 2, 0, 3])];
}

/**
 * depthwiseConv2d(x NHWC, filter [kh,kw,in,mult]) with symmetric `pad`: the
 * input is zero-padded first (Pad's gradient is a slice on every backend) so
 * the stock depthwise gradients run with 'valid' padding.
 */
export function depthwiseConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, stride: number, pad: number): tf.Tensor4D {
  return tf.depthwiseConv2d(padSpatial(x, pad), filter, stride, 'valid', 'NHWC');
}
