/**
 * PIL/torchvision colour adjustments on uint8 3-channel HWC data, channel 0
 * taken as R (torchvision wraps the mmcv BGR array as a PIL RGB image, so for
 * BGR input the weights fall on swapped channels, as in the official code).
 * Formulas follow Pillow's C code: integer L conversion, float32 blend with
 * truncation, and Pillow's HSV round trip.
 */
const f32 = Math.fround;

/** Pillow RGB -> L: (R*19595 + G*38470 + B*7471 + 0x8000) >> 16. */
export function pilGray(data: Uint8Array, n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const p = i * 3;
    out[i] = (data[p] * 19595 + data[p + 1] * 38470 + data[p + 2] * 7471 + 0x8000) >> 16;
  }
  return out;
}

/** Pillow Image.blend(degenerate, img, alpha): in1 + alpha*(in2 - in1) in float32, truncated, clipped. */
export function pilBlend(degenerate: (i: number) => number, img: Uint8Array, alpha: number): Uint8Array {
  const a = f32(alpha);
  const out = new Uint8Array(img.length);
  for (let i = 0; i < img.length; i++) {
    const d = degenerate(i);
    const t = f32(d + f32(a * (img[i] - d)));
    out[i] = t <= 0 ? 0 : t >= 255 ? 255 : Math.trunc(t);
  }
  return out;
}

export function adjustBrightness(data: Uint8Array, factor: number): Uint8Array {
  return pilBlend(() => 0, data, factor);
}

export function adjustContrast(data: Uint8Array, n: number, factor: number): Uint8Array {
  const g = pilGray(data, n);
  let sum = 0;
  for (let i = 0; i < n; i++) sum += g[i];
  const mean = Math.trunc(sum / n + 0.5);
  return pilBlend(() => mean, data, factor);
}

export function adjustSaturation(data: Uint8Array, n: number, factor: number): Uint8Array {
  const g = pilGray(data, n);
  return pilBlend((i) => g[(i / 3) | 0], data, factor);
}

function clip8(v: number): number {
  return v <= 0 ? 0 : v >= 255 ? 255 : v;
}

/** torchvision adjust_hue on PIL: HSV round trip with the hue byte shifted by uint8(trunc(f*255)). */
export function adjustHue(data: Uint8Array, n: number, hueFactor: number): Uint8Array {
  if (hueFactor < -0.5 || hueFactor > 0.5) throw new Error(`hue factor ${hueFactor} is not in [-0.5, 0.5]`);
  const shift = ((Math.trunc(hueFactor * 255) % 256) + 256) % 256;
  const out = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    const p = i * 3;
    const r = data[p];
    const g = data[p + 1];
    const b = data[p + 2];
    // rgb2hsv (Pillow Convert.c)
    const maxc = Math.max(r, g, b);
    const minc = Math.min(r, g, b);
    let uh = 0;
    let us = 0;
    const uv = maxc;
    if (minc !== maxc) {
      const cr = f32(maxc - minc);
      const s = f32(cr / maxc);
      const rc = f32((maxc - r) / cr);
      const gc = f32((maxc - g) / cr);
      const bc = f32((maxc - b) / cr);
      let h: number;
      if (r === maxc) h = f32(bc - gc);
      else if (g === maxc) h = f32(2.0 + rc - bc);
      else h = f32(4.0 + gc - rc);
      h = f32((h / 6.0 + 1.0) % 1.0);
      uh = clip8(Math.trunc(h * 255.0));
      us = clip8(Math.trunc(s * 255.0));
    }
    const hh = (uh + shift) & 255;
    // hsv2rgb
    if (us === 0) {
      out[p] = out[p + 1] = out[p + 2] = uv;
      continue;
    }
    const i6 = Math.floor((hh * 6.0) / 255.0);
    const f = f32((hh * 6.0) / 255.0 - i6);
    const fs = f32(us / 255.0);
    const pp = clip8(Math.round(uv * (1.0 - fs)));
    const q = clip8(Math.round(uv * (1.0 - fs * f)));
    const t = clip8(Math.round(uv * (1.0 - fs * (1.0 - f))));
    let R: number, G: number, B: number;
    switch (i6 % 6) {
      case 0: R = uv; G = t; B = pp; break;
      case 1: R = q; G = uv; B = pp; break;
      case 2: R = pp; G = uv; B = t; break;
      case 3: R = pp; G = q; B = uv; break;
      case 4: R = t; G = pp; B = uv; break;
      default: R = uv; G = pp; B = q; break;
    }
    out[p] = R;
    out[p + 1] = G;
    out[p + 2] = B;
  }
  return out;
}
