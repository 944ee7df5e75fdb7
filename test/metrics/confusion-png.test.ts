import sharp from 'sharp';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { renderConfusionMatrixPng, saveConfusionMatrixPng, confusionLayout, confusionMatrixSvg, bluesColor } from '../../src/metrics';

describe('confusion matrix PNG', () => {
  const cm = [
    [5, 0, 0],
    [0, 0, 4],
    [1, 1, 2],
  ];
  const classes = ['Neutral', 'Happy', 'Sad <&>'];

  it('renders a PNG whose cells are shaded by row fraction', async () => {
    const png = await renderConfusionMatrixPng(cm, classes, { title: 'RAF test' });
    expect(png.subarray(0, 8)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
    const L = confusionLayout(classes, { title: 'RAF test' });
    const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([L.width, L.height]);
    const px = (i: number, j: number) => {
      // a corner of cell (i, j), away from the centred text
      const x = L.left + j * L.cell + 4;
      const y = L.top + i * L.cell + 4;
      const o = (y * info.width + x) * 3;
      return [data[o], data[o + 1], data[o + 2]];
    };
    const near = (a: number[], b: number[]) => a.every((v, k) => Math.abs(v - b[k]) <= 3);
    expect(near(px(0, 0), bluesColor(1))).toBe(true); // 5/5
    expect(near(px(0, 1), bluesColor(0))).toBe(true); // 0/5
    expect(near(px(1, 2), bluesColor(1))).toBe(true); // 4/4
    expect(near(px(2, 2), bluesColor(0.5))).toBe(true); // 2/4
  });

  it('escapes class names, checks shapes, and writes files', async () => {
    const svg = confusionMatrixSvg(cm, classes);
    expect(svg).toContain('Sad &lt;&amp;&gt;');
    expect(svg).toContain('>4</text>');
    expect(() => confusionMatrixSvg(cm, ['a', 'b'])).toThrow(/3 classes but 2 class names/);
    expect(() => confusionMatrixSvg([[1, 2]], ['a'])).toThrow(/square/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cm-'));
    const file = path.join(dir, 'sub', 'confusion.png');
    await saveConfusionMatrixPng(file, cm, classes);
    const meta = await sharp(file).metadata();
    expect(meta.format).toBe('png');
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
