/**
 * Independent float64 reference convolution gradients (direct loops over
 * NHWC / HWIO arrays) for the real-size shapes, where the pure-JS cpu
 * backend's kernels take minutes.
 */
export interface ConvGeom {
  n: number; h: number; w: number; ci: number;
  kh: number; kw: number; co: number;
  oh: number; ow: number; stride: number; top: number; left: number;
}

/** dW[kh,kw,ci,co] = sum x[n, oh*s+kh-top, ow*s+kw-left, ci] * dy[n,oh,ow,co]. */
export function conv2dBackpropFilterRef(x: Float32Array, dy: Float32Array, g: ConvGeom): Float32Array {
  const dw = new Float64Array(g.kh * g.kw * g.ci * g.co);
  for (let n = 0; n < g.n; n++) {
    for (let oy = 0; oy < g.oh; oy++) {
      for (let ox = 0; ox < g.ow; ox++) {
        const dyOff = ((n * g.oh + oy) * g.ow + ox) * g.co;
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.stride + ky - g.top;
          if (iy < 0 || iy >= g.h) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.stride + kx - g.left;
            if (ix < 0 || ix >= g.w) continue;
            const xOff = ((n * g.h + iy) * g.w + ix) * g.ci;
            const wOff = (ky * g.kw + kx) * g.ci * g.co;
            for (let c = 0; c < g.ci; c++) {
              const xv = x[xOff + c];
              const base = wOff + c * g.co;
              for (let o = 0; o < g.co; o++) dw[base + o] += xv * dy[dyOff + o];
            }
          }
        }
      }
    }
  }
  return Float32Array.from(dw);
}

/** dx[n,iy,ix,ci] = sum w[kh,kw,ci,co] * dy[n,oh,ow,co] over taps hitting (iy,ix). */
export function conv2dBackpropInputRef(dy: Float32Array, wt: Float32Array, g: ConvGeom): Float32Array {
  const dx = new Float64Array(g.n * g.h * g.w * g.ci);
  for (let n = 0; n < g.n; n++) {
    for (let oy = 0; oy < g.oh; oy++) {
      for (let ox = 0; ox < g.ow; ox++) {
        const dyOff = ((n * g.oh + oy) * g.ow + ox) * g.co;
        for (let ky = 0; ky < g.kh; ky++) {
          const iy = oy * g.stride + ky - g.top;
          if (iy < 0 || iy >= g.h) continue;
          for (let kx = 0; kx < g.kw; kx++) {
            const ix = ox * g.stride + kx - g.left;
            if (ix < 0 || ix >= g.w) continue;
            const xOff = ((n * g.h + iy) * g.w + ix) * g.ci;
            const wOff = (ky * g.kw + kx) * g.ci * g.co;
            for (let c = 0; c < g.ci; c++) {
              const base = wOff + c * g.co;
              let s = 0;
              for (let o = 0; o < g.co; o++) s += wt[base + o] * dy[dyOff + o];
              dx[xOff + c] += s;
            }
          }
        }
      }
    }
  }
  return Float32Array.from(dx);
}
