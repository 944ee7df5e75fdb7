/**
 * `MaxPoolGrad` for wasm. The stock C kernel drops gradient for some windows
 * when stride > filter (IR-50's 1x1 stride-2 shortcut pool loses whole
 * columns; test/backend/grad-coverage.test.ts). Pooling gradients are cheap,
 * so this is a direct loop over the wasm heap with the cpu backend's
 * semantics: each window routes dy to its first maximum; padding never wins.
 */
import { tf } from '../../tf';
import type { WasmBackendLike } from './kernel-utils';

type TensorInfo = tf.TensorInfo;

export const maxPoolGradConfig: tf.KernelConfig = {
  kernelName: 'MaxPoolGrad',
  backendName: 'wasm',
  kernelFunc: ({ inputs, backend, attrs }) => {
    const { dy, input } = inputs as { dy: TensorInfo; input: TensorInfo };
    const { filterSize, strides, pad, dimRoundingMode } = attrs as unknown as {
      filterSize: number | [number, number]; strides: number | [number, number];
      pad: 'valid' | 'same' | number; dimRoundingMode?: 'floor' | 'round' | 'ceil';
    };
    const info = tf.backend_util.computePool2DInfo(
      input.shape as [number, number, number, number], filterSize, strides, 1, pad, dimRoundingMode);
    const be = backend as unknown as WasmBackendLike;
    const out = be.makeOutput(input.shape, 'float32');
    // views after makeOutput: a heap growth detaches older views
    const x = be.typedArrayFromHeap(input);
    const g = be.typedArrayFromHeap(dy);
    const dx = be.typedArrayFromHeap(out);
    dx.fill(0);
    const { batchSize: n, inHeight: h, inWidth: w, inChannels: c, outHeight: oh, outWidth: ow } = info;
    const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: fh, effectiveFilterWidth: fw } = info;
    const { top, left } = info.padInfo;
    for (let b = 0; b < n; b++) {
      for (let oy = 0; oy < oh; oy++) {
        const y0 = oy * sh - top;
        for (let ox = 0; ox < ow; ox++) {
          const x0 = ox * sw - left;
          const gOff = ((b * oh + oy) * ow + ox) * c;
          for (let ch = 0; ch < c; ch++) {
            let best = -Infinity;
            let at = -1;
            for (let ky = 0; ky < fh; ky++) {
              const iy = y0 + ky;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < fw; kx++) {
                const ix = x0 + kx;
                if (ix < 0 || ix >= w) continue;
                const idx = ((b * h + iy) * w + ix) * c + ch;
                if (x[idx] > best) {
                  best = x[idx];
                  at = idx;
                }
              }
            }
            if (at >= 0) dx[at] += g[gOff + ch];
          }
        }
      }
    }
    return out;
  },
};
