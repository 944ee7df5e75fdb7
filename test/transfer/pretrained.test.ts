import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/backend/backend';
import { writePth } from '../../src/checkpoint/pth/write';
import { fromFloat32, type TensorData } from '../../src/checkpoint/tensor-data';
import { MSADViT } from '@fer-mm/transfer';

const td = (shape: number[], f: (i: number) => number): TensorData =>
  fromFloat32(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => f(i)), shape);

describe('TransFER pretrained ViT', () => {
  let dir: string;
  beforeAll(async () => {
    await initBackend('cpu');
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'transfer-pre-'));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('loads a timm ViT file: pos_embed kept whole (resized when patch_num differs), patch_embed/head dropped', async () => {
    const d = 4;
    const file = path.join(dir, 'vit.pth');
    writePth(
      file,
      new Map<string, TensorData>([
        ['cls_token', td([1, 1, d], (i) => i + 100)],
        ['pos_embed', td([1, 5, d], (i) => i)], // CLS row + a 2×2 grid
        ['patch_embed.proj.weight', td([d, 3, 16, 16], () => 0)],
        ['patch_embed.proj.bias', td([d], () => 0)],
        ['blocks.0.norm1.weight', td([d], (i) => i + 7)],
        ['norm.bias', td([d], (i) => -i)],
        ['head.weight', td([1000, d], () => 0)],
        ['head.bias', td([1000], () => 0)],
      ]),
    );
    const quiet = [jest.spyOn(console, 'log').mockImplementation(() => undefined), jest.spyOn(console, 'warn').mockImplementation(() => undefined)];
    const vit = new MSADViT({ embed_dim: d, depth: 1, num_heads: 1, patch_num: 4, pretrained: file });
    await vit.initWeights();
    expect(Array.from(vit.pos_embed.dataSync())).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(Array.from(vit.cls_token.dataSync())).toEqual([100, 101, 102, 103]);
    expect(Array.from(vit.blocks.at(0).norm1.weight.dataSync())).toEqual([7, 8, 9, 10]);
    expect(Array.from(vit.norm.bias.dataSync())).toEqual([-0, -1, -2, -3]);
    vit.dispose();
    const vit9 = new MSADViT({ embed_dim: d, depth: 1, num_heads: 1, patch_num: 9, pretrained: file });
    await vit9.initWeights();
    const p = vit9.pos_embed.arraySync() as number[][][];
    expect(p[0][0]).toEqual([0, 1, 2, 3]); // CLS row untouched
    expect(p[0][1 + 4][0]).toBeCloseTo((4 + 8 + 12 + 16) / 4, 5); // grid centre = mean of the 2×2 corners
    vit9.dispose();
    await expect(new MSADViT({ embed_dim: d, depth: 1, num_heads: 1, patch_num: 4, pretrained: path.join(dir, 'nope.pth') }).initWeights()).rejects.toThrow(/pretrained: file not found/);
    quiet.forEach((s) => s.mockRestore());
  });
});
