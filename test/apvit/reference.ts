/**
 * An independent float64 forward of APViT (eval mode), written for the tests
 * in plain JS loops from spec §2-§4: it shares no code with the model.
 */
export interface T64 {
  shape: number[];
  data: Float64Array;
}
export type Weights = Map<string, T64>;

export interface RefConfig {
  units: number[];
  se: boolean;
  numHeads: number;
  qkScale?: number;
  lnEps: number;
  appKeep: number;
  keepRates: number[];
}

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

function w(ws: Weights, k: string): T64 {
  const t = ws.get(k);
  if (!t) throw new Error(`reference: missing weight ${k}`);
  return t;
}

/** erf to ~1e-15: Taylor series for |x| < 3, continued fraction of erfc beyond. */
export function erf64(x: number): number {
  const ax = Math.abs(x);
  if (ax < 3) {
    let term = x;
    let sum = x;
    for (let n = 1; n < 200; n++) {
      term *= (-x * x) / n;
      const add = term / (2 * n + 1);
      sum += add;
      if (Math.abs(add) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let k = ax;
  for (let n = 80; n >= 1; n--) k = ax + n / 2 / k;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / k;
  return Math.sign(x) * (1 - erfc);
}

/** NHWC conv, torch weight [out, in, k, k]. */
function conv(x: T64, wt: T64, stride: number, pad: number, bias?: T64): T64 {
  const [b, h, wd, cin] = x.shape;
  const [cout, wcin, k] = wt.shape;
  if (wcin !== cin) throw new Error('reference conv: channel mismatch');
  const ho = Math.floor((h + 2 * pad - k) / stride) + 1;
  const wo = Math.floor((wd + 2 * pad - k) / stride) + 1;
  const out = new Float64Array(b * ho * wo * cout);
  for (let n = 0; n < b; n++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let o = 0; o < cout; o++) {
          let s = bias ? bias.data[o] : 0;
          for (let di = 0; di < k; di++) {
            const y = i * stride - pad + di;
            if (y < 0 || y >= h) continue;
            for (let dj = 0; dj < k; dj++) {
              const xx = j * stride - pad + dj;
              if (xx < 0 || xx >= wd) continue;
              const xb = ((n * h + y) * wd + xx) * cin;
              for (let c = 0; c < cin; c++) s += x.data[xb + c] * wt.data[((o * cin + c) * k + di) * k + dj];
            }
          }
          out[((n * ho + i) * wo + j) * cout + o] = s;
        }
  return { shape: [b, ho, wo, cout], data: out };
}

function perChannel(x: T64, f: (v: number, c: number) => number): T64 {
  const c = x.shape[x.shape.length - 1];
  return { shape: x.shape, data: x.data.map((v, i) => f(v, i % c)) };
}

function bnEval(x: T64, ws: Weights, key: string): T64 {
  const g = w(ws, `${key}.weight`).data;
  const b = w(ws, `${key}.bias`).data;
  const m = w(ws, `${key}.running_mean`).data;
  const v = w(ws, `${key}.running_var`).data;
  return perChannel(x, (x0, c) => ((x0 - m[c]) / Math.sqrt(v[c] + 1e-5)) * g[c] + b[c]);
}

function prelu(x: T64, ws: Weights, key: string): T64 {
  const a = w(ws, `${key}.weight`).data;
  return perChannel(x, (v, c) => (v > 0 ? v : a[c] * v));
}

function add(a: T64, b: T64): T64 {
  return { shape: a.shape, data: a.data.map((v, i) => v + b.data[i]) };
}

function subsample(x: T64, s: number): T64 {
  const [b, h, wd, c] = x.shape;
  const ho = Math.floor((h - 1) / s) + 1;
  const wo = Math.floor((wd - 1) / s) + 1;
  const out = new Float64Array(b * ho * wo * c);
  for (let n = 0; n < b; n++)
    for (let i = 0; i < ho; i++)
      for (let j = 0; j < wo; j++)
        for (let k = 0; k < c; k++) out[((n * ho + i) * wo + j) * c + k] = x.data[((n * h + i * s) * wd + j * s) * c + k];
  return { shape: [b, ho, wo, c], data: out };
}

function se(x: T64, ws: Weights, key: string): T64 {
  const [b, h, wd, c] = x.shape;
  const w1 = w(ws, `${key}.fc1.weight`);
  const w2 = w(ws, `${key}.fc2.weight`);
  const mid = w1.shape[0];
  const out = new Float64Array(x.data.length);
  for (let n = 0; n < b; n++) {
    const avg = new Float64Array(c);
    for (let p = 0; p < h * wd; p++) for (let k = 0; k < c; k++) avg[k] += x.data[(n * h * wd + p) * c + k] / (h * wd);
    const hid = new Float64Array(mid);
    for (let o = 0; o < mid; o++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += w1.data[o * c + k] * avg[k];
      hid[o] = Math.max(0, s);
    }
    const gate = new Float64Array(c);
    for (let o = 0; o < c; o++) {
      let s = 0;
      for (let k = 0; k < mid; k++) s += w2.data[o * mid + k] * hid[k];
      gate[o] = 1 / (1 + Math.exp(-s));
    }
    for (let p = 0; p < h * wd; p++) for (let k = 0; k < c; k++) out[(n * h * wd + p) * c + k] = x.data[(n * h * wd + p) * c + k] * gate[k];
  }
  return { shape: x.shape, data: out };
}

function irse(img: T64, ws: Weights, cfg: RefConfig): T64 {
  let x = conv(img, w(ws, 'extractor.input_layer.0.weight'), 1, 1);
  x = prelu(bnEval(x, ws, 'extractor.input_layer.1'), ws, 'extractor.input_layer.2');
  cfg.units.forEach((nu, s) => {
    for (let u = 0; u < nu; u++) {
      const key = `extractor.body.${s}.${u}`;
      const stride = u === 0 ? 2 : 1;
      let r = bnEval(x, ws, `${key}.res_layer.0`);
      r = conv(r, w(ws, `${key}.res_layer.1.weight`), 1, 1);
      r = prelu(r, ws, `${key}.res_layer.2`);
      r = conv(r, w(ws, `${key}.res_layer.3.weight`), stride, 1);
      r = bnEval(r, ws, `${key}.res_layer.4`);
      if (cfg.se) r = se(r, ws, `${key}.res_layer.5`);
      const sc = ws.has(`${key}.shortcut_layer.0.weight`)
        ? bnEval(conv(x, w(ws, `${key}.shortcut_layer.0.weight`), stride, 0), ws, `${key}.shortcut_layer.1`)
        : subsample(x, stride);
      x = add(r, sc);
    }
  });
  return x;
}

/** Rows of a [N, D] matrix as arrays. */
type Rows = Float64Array[];

function linear(x: Rows, ws: Weights, key: string): Rows {
  const wt = w(ws, `${key}.weight`);
  const b = ws.get(`${key}.bias`);
  const [o, i] = wt.shape;
  return x.map((row) => {
    const out = new Float64Array(o);
    for (let r = 0; r < o; r++) {
      let s = b ? b.data[r] : 0;
      for (let c = 0; c < i; c++) s += wt.data[r * i + c] * row[c];
      out[r] = s;
    }
    return out;
  });
}

function layerNorm(x: Rows, ws: Weights, key: string, eps: number): Rows {
  const g = w(ws, `${key}.weight`).data;
  const b = w(ws, `${key}.bias`).data;
  return x.map((row) => {
    const mean = row.reduce((a, v) => a + v, 0) / row.length;
    const vr = row.reduce((a, v) => a + (v - mean) ** 2, 0) / row.length;
    return row.map((v, i) => ((v - mean) / Math.sqrt(vr + eps)) * g[i] + b[i]);
  });
}

/** Keep the k best of `scores` by rank (greater score first, lower index on ties), in ascending index order. */
export function refTopK(scores: number[], k: number): number[] {
  const kept: number[] = [];
  scores.forEach((s, i) => {
    let rank = 0;
    scores.forEach((t, j) => {
      if (t > s || (t === s && j < i)) rank++;
    });
    if (rank < k) kept.push(i);
  });
  return kept;
}

export interface RefResult {
  probs: number[][];
  app: number[][];
  atp: Array<number[][] | null>;
}

export function referenceForward(img: T64, ws: Weights, cfg: RefConfig): RefResult {
  const feat = irse(img, ws, cfg);
  const [b, h, wd] = feat.shape;
  const t = conv(feat, w(ws, 'vit.projs.0.weight'), 1, 0, w(ws, 'vit.projs.0.bias'));
  const d = t.shape[3];
  const n = h * wd;
  const pos = w(ws, 'vit.patch_pos_embed').data;
  const cls = w(ws, 'vit.cls_token').data;
  const clsPos = w(ws, 'vit.cls_pos_embed').data;
  const depth = cfg.keepRates.length;
  const probs: number[][] = [];
  const app: number[][] = [];
  const atp: Array<number[][] | null> = Array.from({ length: depth }, () => null);
  for (let s = 0; s < b; s++) {
    const tokens: Rows = [];
    const scores: number[] = [];
    for (let p = 0; p < n; p++) {
      const row = t.data.slice((s * n + p) * d, (s * n + p + 1) * d);
      scores.push(row.reduce((a, v) => a + Math.abs(v), 0));
      tokens.push(row.map((v, i) => v + pos[p * d + i]));
    }
    const keep = refTopK(scores, cfg.appKeep);
    app.push(keep);
    let z: Rows = [Float64Array.from(cls, (v, i) => v + clsPos[i]), ...keep.map((i) => tokens[i])];
    for (let blk = 0; blk < depth; blk++) {
      const key = `vit.blocks.${blk}`;
      const nn = z.length;
      const hx = layerNorm(z, ws, `${key}.norm1`, cfg.lnEps);
      const qkv = linear(hx, ws, `${key}.attn.qkv`);
      const hd = d / cfg.numHeads;
      const scale = cfg.qkScale ?? hd ** -0.5;
      const o: Rows = Array.from({ length: nn }, () => new Float64Array(d));
      const clsScore = new Array<number>(nn).fill(0);
      for (let hh = 0; hh < cfg.numHeads; hh++) {
        for (let i = 0; i < nn; i++) {
          const logits = new Float64Array(nn);
          for (let j = 0; j < nn; j++) {
            let sdot = 0;
            for (let c = 0; c < hd; c++) sdot += qkv[i][hh * hd + c] * qkv[j][d + hh * hd + c];
            logits[j] = sdot * scale;
          }
          if (i === 0) logits.forEach((v, j) => (clsScore[j] += v));
          const mx = Math.max(...logits);
          const e = logits.map((v) => Math.exp(v - mx));
          const se2 = e.reduce((a, v) => a + v, 0);
          for (let j = 0; j < nn; j++) for (let c = 0; c < hd; c++) o[i][hh * hd + c] += (e[j] / se2) * qkv[j][2 * d + hh * hd + c];
        }
      }
      const proj = linear(o, ws, `${key}.attn.proj`);
      z = z.map((row, i) => row.map((v, c) => v + proj[i][c]));
      const ranked = nn - 1;
      const k = Math.max(Math.trunc(ranked * cfg.keepRates[blk]), 1);
      if (k !== ranked) {
        const kept = [0, ...refTopK(clsScore.slice(1), k).map((i) => i + 1)];
        (atp[blk] ??= []).push(kept);
        z = kept.map((i) => z[i]);
      }
      const m = linear(layerNorm(z, ws, `${key}.norm2`, cfg.lnEps), ws, `${key}.mlp.fc1`).map((row) => row.map((v) => 0.5 * v * (1 + erf64(v / Math.SQRT2))));
      const m2 = linear(m, ws, `${key}.mlp.fc2`);
      z = z.map((row, i) => row.map((v, c) => v + m2[i][c]));
    }
    const feat0 = layerNorm([z[0]], ws, 'vit.norm', cfg.lnEps);
    const logits = linear(feat0, ws, 'head.fc')[0];
    const mx = Math.max(...logits);
    const e = logits.map((v) => Math.exp(v - mx));
    const se3 = e.reduce((a, v) => a + v, 0);
    probs.push(Array.from(e, (v) => v / se3));
  }
  return { probs, app, atp };
}

export function toT64(shape: number[], data: ArrayLike<number>): T64 {
  if (numel(shape) !== data.length) throw new Error('toT64: size mismatch');
  return { shape, data: Float64Array.from(data) };
}
