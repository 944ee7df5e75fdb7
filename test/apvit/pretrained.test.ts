/**
 * `pretrained` files load through initWeights(): a face.evoLVe-style IR file
 * (flat body.N keys) and a timm-style ViT file (pos_embed split and resized),
 * written as real .pth archives, with the mmcv-style key report.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { initBackend } from '../../src/backend/backend';
import { writePth } from '../../src/checkpoint/pth/write';
import type { TensorData } from '../../src/checkpoint/tensor-data';
import { IRSE, PoolingViT, loadPretrainedInto } from '@fer-mm/apvit';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'apvit-pretrained-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function td(shape: number[], fill: (i: number) => number, dtype: 'float32' | 'int64' = 'float32'): TensorData {
  const n = shape.reduce((a, b) => a * b, 1);
  return dtype === 'int64'
    ? { dtype, shape, data: BigInt64Array.from({ length: n }, (_, i) => BigInt(fill(i))) }
    : { dtype, shape, data: Float32Array.from({ length: n }, (_, i) => fill(i)) };
}

describe('pretrained loading', () => {
  beforeAll(async () => {
    await initBackend('cpu');
  });

  it('face.evoLVe IR: flat body.N keys go to body.stage.unit; extra units and output_layer are reported unexpected', async () => {
    const ir = new IRSE({ return_index: [1], units: [2, 1], widths: [4, 8], pretrained: path.join(dir, 'ir.pth') });
    const own = ir.stateDict();
    const flat = new Map<string, TensorData>();
    for (const [k, v] of own) {
      const m = /^body\.(\d+)\.(\d+)\.(.*)$/.exec(k);
      const nk = m ? `body.${[0, 2][Number(m[1])] + Number(m[2])}.${m[3]}` : k;
      flat.set(nk, td([...v.shape], (i) => (k.endsWith('num_batches_tracked') ? 5 : i * 0.01 + nk.length), k.endsWith('num_batches_tracked') ? 'int64' : 'float32'));
    }
    flat.set('body.3.res_layer.1.weight', td([8, 8, 3, 3], () => 1)); // a unit of a stage that is not built
    flat.set('output_layer.0.weight', td([2], () => 1));
    writePth(path.join(dir, 'ir.pth'), { state_dict: flat });
    const log = jest.spyOn(console, 'log').mockImplementation(() => undefined);
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    await ir.initWeights();
    expect(warn.mock.calls.flat().join('\n')).toMatch(/unexpected key in source state_dict: body\.3\.res_layer\.1\.weight, output_layer\.0\.weight/);
    log.mockRestore();
    warn.mockRestore();
    const w = ir.stateDict().get('body.1.0.res_layer.1.weight')!;
    expect(w.dataSync()[3]).toBeCloseTo(3 * 0.01 + 'body.2.res_layer.1.weight'.length, 5);
    expect(ir.stateDict().get('body.0.1.res_layer.4.num_batches_tracked')!.dataSync()[0]).toBe(5);
    ir.dispose();
  });

  it('timm ViT: pos_embed → cls_pos_embed + patch_pos_embed (bilinear resize when patch_num differs); patch_embed/head dropped', async () => {
    const d = 4;
    const file = path.join(dir, 'vit.pth');
    const sd = new Map<string, TensorData>([
      ['cls_token', td([1, 1, d], (i) => i + 100)],
      ['pos_embed', td([1, 5, d], (i) => i)], // CLS row + a 2×2 grid
      ['patch_embed.proj.weight', td([d, 3, 16, 16], () => 0)],
      ['patch_embed.proj.bias', td([d], () => 0)],
      ['blocks.0.norm1.weight', td([d], (i) => i + 7)],
      ['head.weight', td([1000, d], () => 0)],
      ['head.bias', td([1000], () => 0)],
    ]);
    writePth(file, sd);
    const vit = new PoolingViT({ embed_dim: d, depth: 1, num_heads: 1, patch_num: 4, in_channels: [2], pretrained: file });
    const quiet = [jest.spyOn(console, 'log').mockImplementation(() => undefined), jest.spyOn(console, 'warn').mockImplementation(() => undefined)];
    const r = await loadPretrainedInto(vit, file, 'timm-vit', undefined, { patchNum: 4 });
    expect(r.unexpected).toEqual([]);
    expect(r.missing).toEqual(expect.arrayContaining(['projs.0.weight', 'projs.0.bias', 'blocks.0.attn.qkv.weight']));
    expect(Array.from(vit.cls_pos_embed.dataSync())).toEqual([0, 1, 2, 3]);
    expect(Array.from(vit.patch_pos_embed.dataSync())).toEqual(Array.from({ length: 16 }, (_, i) => i + 4));
    expect(Array.from(vit.cls_token.dataSync())).toEqual([100, 101, 102, 103]);
    expect(Array.from(vit.blocks.at(0).norm1.weight.dataSync())).toEqual([7, 8, 9, 10]);
    vit.dispose();
    // a 3×3 grid is resized from the 2×2 one (align_corners=False: the centre is the mean of the 4)
    const vit9 = new PoolingViT({ embed_dim: d, depth: 1, num_heads: 1, patch_num: 9, in_channels: [2], pretrained: file });
    await vit9.initWeights();
    quiet.forEach((s) => s.mockRestore());
    const p = vit9.patch_pos_embed.arraySync() as number[][][];
    expect(p[0][4][0]).toBeCloseTo((4 + 8 + 12 + 16) / 4, 5);
    expect(p[0][0][0]).toBeCloseTo(4, 5);
    vit9.dispose();
  });

  it('a missing file is a clear error naming the config key', async () => {
    const ir = new IRSE({ return_index: [0], units: [1], widths: [4], pretrained: path.join(dir, 'nope.pth') }, { path: 'model.extractor', registry: undefined as never });
    await expect(ir.initWeights()).rejects.toThrow(/model\.extractor\.pretrained: file not found/);
    ir.dispose();
  });
});
