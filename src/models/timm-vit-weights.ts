/**
 * timm ViT state_dicts for ViT backbones that take their tokens from a CNN
 * map: the patch embedding and the classifier head are dropped, and
 * `pos_embed [1, 1+N, D]` is split into its CLS row and the patch grid,
 * resized bilinearly (torch `F.interpolate`, align_corners=False) when the
 * model has a different number of patches.
 */
import { type TensorData, isTensorData, toFloat32 } from '../checkpoint/tensor-data';

/** The state_dict inside `sd`: itself, or its first `keys` entry that is a map. */
export function unwrapStateDict(sd: Map<string, unknown>, keys: string[]): Map<string, TensorData> {
  let inner: Map<unknown, unknown> = sd;
  for (const k of keys) {
    const v = sd.get(k);
    if (v instanceof Map) {
      inner = v;
      break;
    }
  }
  const out = new Map<string, TensorData>();
  for (const [k, v] of inner) if (isTensorData(v)) out.set(String(k), v);
  return out;
}

/**
 * Bilinear resize of a square grid of embeddings, like torch
 * `F.interpolate(grid[1,D,H,W], size=(outH,outW), mode='bilinear', align_corners=False)`.
 * `values` holds H*W rows of D values (row-major grid, row index = y*W + x);
 * computed in float64.
 */
export function resizeGridBilinear(values: ArrayLike<number>, h: number, w: number, d: number, outH: number, outW: number): Float64Array {
  const taps = (inSize: number, outSize: number): Array<[number, number, number]> => {
    const scale = inSize / outSize;
    const res: Array<[number, number, number]> = [];
    for (let o = 0; o < outSize; o++) {
      const src = Math.max((o + 0.5) * scale - 0.5, 0);
      const i0 = Math.min(Math.floor(src), inSize - 1);
      const i1 = i0 < inSize - 1 ? i0 + 1 : i0;
      const l1 = src - i0;
      res.push([i0, i1, l1]);
    }
    return res;
  };
  const ty = taps(h, outH);
  const tx = taps(w, outW);
  const out = new Float64Array(outH * outW * d);
  for (let oy = 0; oy < outH; oy++) {
    const [y0, y1, ly] = ty[oy];
    for (let ox = 0; ox < outW; ox++) {
      const [x0, x1, lx] = tx[ox];
      const w00 = (1 - ly) * (1 - lx);
      const w01 = (1 - ly) * lx;
      const w10 = ly * (1 - lx);
      const w11 = ly * lx;
      const p00 = (y0 * w + x0) * d;
      const p01 = (y0 * w + x1) * d;
      const p10 = (y1 * w + x0) * d;
      const p11 = (y1 * w + x1) * d;
      const o = (oy * outW + ox) * d;
      for (let c = 0; c < d; c++) {
        out[o + c] = w00 * values[p00 + c] + w01 * values[p01 + c] + w10 * values[p10 + c] + w11 * values[p11 + c];
      }
    }
  }
  return out;
}

function floatValues(t: TensorData): ArrayLike<number> {
  return t.dtype === 'float64' ? (t.data as Float64Array) : toFloat32(t);
}

function squareSide(n: number, what: string): number {
  const s = Math.round(Math.sqrt(n));
  if (s * s !== n) throw new Error(`${what}: ${n} patches is not a square grid`);
  return s;
}

/**
 * timm ViT: `pos_embed [1, 1+N, D]` → `cls_pos_embed [1,1,D]` (row 0) and
 * `patch_pos_embed [1, patchNum, D]` (rows 1.., resized bilinearly when
 * N ≠ patchNum); `pos_embed`, `patch_embed.proj.*` and `head.*` are dropped.
 * Values stay float32 (float64 stays float64).
 */
export function remapTimmVit(sd: Map<string, unknown>, patchNum = 196): Map<string, TensorData> {
  const src = unwrapStateDict(sd, ['model', 'state_dict']);
  const out = new Map<string, TensorData>();
  const pos = src.get('pos_embed');
  for (const [k, v] of src) {
    if (k === 'pos_embed' || k.startsWith('patch_embed.proj.') || k.startsWith('head.')) continue;
    out.set(k, v);
  }
  if (!pos) return out;
  if (pos.shape.length !== 3 || pos.shape[0] !== 1 || pos.shape[1] < 2) {
    throw new Error(`pos_embed has shape [${pos.shape.join(',')}], expected [1, 1+N, D]`);
  }
  const [, rows, d] = pos.shape;
  const n = rows - 1;
  const vals = floatValues(pos);
  const dtype = pos.dtype === 'float64' ? 'float64' : 'float32';
  const make = (a: ArrayLike<number>, shape: number[]): TensorData => ({
    dtype,
    shape,
    data: dtype === 'float64' ? Float64Array.from(a) : Float32Array.from(a),
  });
  out.set('cls_pos_embed', make(Array.prototype.slice.call(vals, 0, d) as number[], [1, 1, d]));
  const patch = (vals as Float32Array).subarray ? (vals as Float32Array).subarray(d) : Array.prototype.slice.call(vals, d);
  if (n === patchNum) {
    out.set('patch_pos_embed', make(patch, [1, n, d]));
  } else {
    const g = squareSide(n, 'pos_embed');
    const ng = squareSide(patchNum, 'patch_num');
    out.set('patch_pos_embed', make(resizeGridBilinear(patch, g, g, d, ng, ng), [1, patchNum, d]));
  }
  return out;
}
