import { ImageToTensor, Normalize, makeGrid, toDisplayRgb, drawText, textWidth } from '../../src/data';

describe('browse helpers', () => {
  it('undo Normalize(to_rgb) and ImageToTensor to give the original pixels as RGB', () => {
    const bgr = Uint8Array.from([10, 20, 30, 200, 100, 0]);
    let r = new Normalize({ mean: [123.675, 116.28, 103.53], std: [58.395, 57.12, 57.375], to_rgb: true }).transform({ img: { data: bgr, shape: [1, 2, 3] } });
    r = new ImageToTensor({ keys: ['img'] }).transform(r);
    const { rgb, h, w } = toDisplayRgb(r);
    expect([h, w]).toEqual([1, 2]);
    expect(Array.from(rgb)).toEqual([30, 20, 10, 0, 100, 200]);
    // A uint8 BGR image without normalisation is shown as RGB too.
    expect(Array.from(toDisplayRgb({ img: { data: bgr, shape: [1, 2, 3] } }).rgb)).toEqual([30, 20, 10, 0, 100, 200]);
  });
  it('lays tiles out in a grid with labels drawn in the bitmap font', () => {
    const tile = { rgb: new Uint8Array(4 * 4 * 3).fill(200), h: 4, w: 4, label: 'Anger' };
    const g = makeGrid([tile, tile, tile], { minSide: 8, pad: 2 });
    // 2 columns of (8 + 2) + 2, 2 rows of (8 + 12 + 2) + 2
    expect([g.w, g.h]).toEqual([22, 46]);
    expect(g.rgb[((2 + 1) * 22 + 2 + 1) * 3]).toBe(200);
    const buf = new Uint8Array(20 * 9 * 3);
    drawText(buf, 20, 9, 0, 1, 'A1', [255, 255, 255]);
    expect(buf.filter((v) => v === 255).length / 3).toBe(18 + 10); // lit pixels of 'A' (3+2+2+5+2+2+2) and '1' (1+2+1+1+1+1+3)
    expect(textWidth('AB', 2)).toBe(22);
  });
});
