/**
 * Helpers for composing wasm kernels out of other (fast, XNNPACK-backed)
 * wasm kernels. Kernels are called through tfjs's public kernel registry so
 * each composite sees exactly what the engine would run; every intermediate
 * is released with `backend.disposeData` before the composite returns.
 */
import { tf } from '../../tf';

type TensorInfo = tf.TensorInfo;
type DataId = TensorInfo['dataId'];

/** The subset of `BackendWasm` that the composites use. */
export interface WasmBackendLike {
  disposeData(dataId: DataId, force?: boolean): boolean;
  makeOutput(shape: number[], dtype: tf.DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
  readSync(dataId: DataId): ArrayLike<number>;
}

type KernelInputs = tf.NamedTensorInfoMap | TensorInfo[];
type KernelFn = (args: { inputs: KernelInputs; backend: unknown; attrs?: Record<string, unknown> }) =>
  TensorInfo | TensorInfo[];

/** Kernel functions captured before we replaced them (so a wrapper can call the stock one). */
const stock = new Map<string, KernelFn>();

export function rememberStockKernel(name: string, fn: KernelFn): void {
  if (!stock.has(name)) stock.set(name, fn);
}

export function stockKernel(name: string): KernelFn | undefined {
  return stock.get(name);
}

function kernelFn(name: string): KernelFn {
  const s = stock.get(name);
  if (s) return s;
  const k = tf.getKernel(name, 'wasm');
  if (!k) throw new Error(`wasm kernel '${name}' is not registered (needed by a composite training kernel)`);
  return k.kernelFunc as unknown as KernelFn;
}

/**
 * A wasm kernel on input `x` that hands strings and complex numbers to the
 * stock kernel of the same name (the heap-view copies are for numbers only).
 */
export function numericKernel(
  kernelName: string,
  run: (x: TensorInfo, be: WasmBackendLike, attrs: Record<string, unknown>, inputs: Record<string, TensorInfo>) => TensorInfo | TensorInfo[],
): tf.KernelConfig {
  return {
    kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const inputs = args.inputs as Record<string, TensorInfo>;
      const { x } = inputs;
      if (x.dtype === 'string' || x.dtype === 'complex64') {
        const stock = stockKernel(kernelName);
        if (!stock) throw new Error(`wasm ${kernelName}: stock kernel missing`);
        return stock(args as never);
      }
      return run(x, args.backend as unknown as WasmBackendLike, (args.attrs ?? {}) as Record<string, unknown>, inputs);
    },
  };
}

/**
 * Small op-builder bound to one backend: each method runs one wasm kernel and
 * records its output; `keep(t)` removes an output from the list so that
 * `release()` frees everything else.
 */
export class Ops {
  private readonly live: TensorInfo[] = [];
  constructor(readonly backend: WasmBackendLike) {}

  run(name: string, inputs: KernelInputs, attrs: Record<string, unknown> = {}): TensorInfo {
    const out = kernelFn(name)({ inputs, backend: this.backend, attrs });
    const t = Array.isArray(out) ? out[0] : out;
    this.live.push(t);
    return t;
  }


  reshape(x: TensorInfo, shape: number[]): TensorInfo {
    return this.run('Reshape', { x }, { shape });
  }

  transpose(x: TensorInfo, perm: number[]): TensorInfo {
    return this.run('Transpose', { x }, { perm });
  }

  /** Zero-pads (positive) or crops (negative) every axis: `pads[i] = [before, after]`. */
  padOrCrop(x: TensorInfo, pads: Array<[number, number]>): TensorInfo {
    let cur = x;
    if (pads.some(([a, b]) => a < 0 || b < 0)) {
      const begin = pads.map(([a]) => Math.max(0, -a));
      const size = x.shape.map((d, i) => d - begin[i] - Math.max(0, -pads[i][1]));
      cur = this.run('Slice', { x: cur }, { begin, size });
    }
    if (pads.some(([a, b]) => a > 0 || b > 0)) {
      const paddings = pads.map(([a, b]) => [Math.max(0, a), Math.max(0, b)]);
      cur = this.run('PadV2', { x: cur }, { paddings, constantValue: 0 });
    }
    return cur;
  }

  /**
   * Swaps the last two axes. A single matrix: a cache-blocked loop over the
   * wasm heap (the stock `Transpose` took ~150 ms for [3072,768] in an
   * earlier tfjs); a batch of matrices: the stock kernel on a 3-D view, 2-10x
   * faster than the loop (its 5-D and wider paths are slow). It feeds the matmuls.
   */
  transposeLast2(x: TensorInfo): TensorInfo {
    const rank = x.shape.length;
    if (rank >= 3) {
      const rows3 = x.shape[rank - 2];
      const cols3 = x.shape[rank - 1];
      const t = this.transpose(this.reshape(x, [-1, rows3, cols3]), [0, 2, 1]);
      return this.reshape(t, [...x.shape.slice(0, -2), cols3, rows3]);
    }
    const rows = x.shape[rank - 2];
    const cols = x.shape[rank - 1];
    const batch = x.shape.slice(0, -2).reduce((a, b) => a * b, 1);
    const out = this.adopt(this.backend.makeOutput([...x.shape.slice(0, -2), cols, rows], x.dtype));
    // views after makeOutput: a heap growth detaches older views
    const src = this.backend.typedArrayFromHeap(x);
    const dst = this.backend.typedArrayFromHeap(out);
    const B = 32;
    for (let b = 0; b < batch; b++) {
      const base = b * rows * cols;
      for (let i0 = 0; i0 < rows; i0 += B) {
        const i1 = Math.min(i0 + B, rows);
        for (let j0 = 0; j0 < cols; j0 += B) {
          const j1 = Math.min(j0 + B, cols);
          for (let i = i0; i < i1; i++) {
            const so = base + i * cols;
            for (let j = j0; j < j1; j++) dst[base + j * rows + i] = src[so + j];
          }
        }
      }
    }
    return out;
  }

  /** Records a tensor made outside `run` so that `release()` frees it. */
  adopt(t: TensorInfo): TensorInfo {
    this.live.push(t);
    return t;
  }

  /**
   * Inserts `s-1` zeros after every row/column of an NHWC tensor (the
   * stride-dilation of a conv gradient), with rank-4 pads only (rank-6 pads
   * and slices take a slow generic path in the wasm backend).
   */
  dilateSpatial(x: TensorInfo, sh: number, sw: number): TensorInfo {
    const [n, h, w, c] = x.shape;
    let cur = x;
    if (sw > 1) {
      const v = this.reshape(cur, [n * h, w, 1, c]);
      cur = this.reshape(this.padOrCrop(v, [[0, 0], [0, 0], [0, sw - 1], [0, 0]]), [n, h, 1, w * sw * c]);
    } else {
      cur = this.reshape(cur, [n, h, 1, w * c]);
    }
    if (sh > 1) cur = this.padOrCrop(cur, [[0, 0], [0, 0], [0, sh - 1], [0, 0]]);
    return this.reshape(cur, [n, h * sh, w * sw, c]);
  }

  /**
   * dy of a strided conv, dilated by the stride and padded (or cropped) so
   * that a valid kh×kw correlation with the flipped filter yields exactly the
   * h×w input gradient. `top`/`left` are the forward conv's padding.
   */
  dilateAndPadForInputGrad(dy: TensorInfo, g: { sh: number; sw: number; kh: number; kw: number; top: number; left: number; h: number; w: number }): TensorInfo {
    const [, oh, ow] = dy.shape;
    const dyd = g.sh > 1 || g.sw > 1 ? this.dilateSpatial(dy, g.sh, g.sw) : dy;
    const dh = oh * g.sh;
    const dw = ow * g.sw;
    const beforeH = g.kh - 1 - g.top;
    const beforeW = g.kw - 1 - g.left;
    return this.padOrCrop(dyd, [[0, 0], [beforeH, g.h + g.kh - 1 - beforeH - dh], [beforeW, g.w + g.kw - 1 - beforeW - dw], [0, 0]]);
  }

  /** Keeps `t` alive past `release()` (it becomes the caller's result). */
  keep(t: TensorInfo): TensorInfo {
    const i = this.live.lastIndexOf(t);
    if (i >= 0) this.live.splice(i, 1);
    return t;
  }

  /** Frees every recorded intermediate. */
  release(): void {
    for (const t of this.live) this.backend.disposeData(t.dataId);
    this.live.length = 0;
  }
}

/** Runs `body` with an {@link Ops} builder and frees its intermediates, also on error. */
export function withOps<T>(backend: unknown, body: (ops: Ops) => T): T {
  const ops = new Ops(backend as WasmBackendLike);
  try {
    return body(ops);
  } finally {
    ops.release();
  }
}
