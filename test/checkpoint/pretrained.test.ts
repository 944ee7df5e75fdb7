/** face.evoLVe IR-50 and timm ViT remaps (spec §6), on synthetic files written by our .pth writer. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { writePth } from '../../src/checkpoint/pth/write';
import { readPth } from '../../src/checkpoint/pth/read';
import { PyOrderedDict } from '../../src/checkpoint/pth/pickle';
import { readCheckpoint } from '../../src/checkpoint/load';
import { TensorData, fromFloat32, makeTensorData } from '../../src/checkpoint/tensor-data';
import { remapFaceEvoLVe, remapTimmVit, resizeGridBilinear } from '@fer-mm/apvit';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pretrained-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const bnKeys = (p: string) => ['weight', 'bias', 'running_mean', 'running_var', 'num_batches_tracked'].map((s) => `${p}.${s}`);
const scalar = (v: number) => makeTensorData('float32', [1], Float32Array.from([v]));

/** Flat face.evoLVe IR-50 key list: 24 units (3,4,14,3), projection shortcuts at n = 3, 7, 21. */
function faceEvoLVeKeys(): string[] {
  const keys = ['input_layer.0.weight', ...bnKeys('input_layer.1'), 'input_layer.2.weight'];
  for (let n = 0; n < 24; n++) {
    if (n === 3 || n === 7 || n === 21) keys.push(`body.${n}.shortcut_layer.0.weight`, ...bnKeys(`body.${n}.shortcut_layer.1`));
    keys.push(...bnKeys(`body.${n}.res_layer.0`), `body.${n}.res_layer.1.weight`, `body.${n}.res_layer.2.weight`, `body.${n}.res_layer.3.weight`, ...bnKeys(`body.${n}.res_layer.4`));
  }
  keys.push(...bnKeys('output_layer.0'), 'output_layer.3.weight', 'output_layer.3.bias', ...bnKeys('output_layer.4'));
  return keys;
}

/** APViT extractor keys (spec §5 templates, without the `extractor.` prefix). */
function apvitExtractorKeys(): string[] {
  const keys = ['input_layer.0.weight', ...bnKeys('input_layer.1'), 'input_layer.2.weight'];
  const units = [3, 4, 14];
  units.forEach((count, s) => {
    for (let u = 0; u < count; u++) {
      const p = `body.${s}.${u}`;
      if ((s === 1 || s === 2) && u === 0) keys.push(`${p}.shortcut_layer.0.weight`, ...bnKeys(`${p}.shortcut_layer.1`));
      keys.push(...bnKeys(`${p}.res_layer.0`), `${p}.res_layer.1.weight`, `${p}.res_layer.2.weight`, `${p}.res_layer.3.weight`, ...bnKeys(`${p}.res_layer.4`));
    }
  });
  return keys;
}

describe('face.evoLVe IR-50 remap', () => {
  test('body.N → body.S.U for the built stages; n 21-23 and output_layer stay (unexpected)', () => {
    const flat = faceEvoLVeKeys();
    const sd = new PyOrderedDict<string, TensorData>(flat.map((k, i) => [k, scalar(i)]));
    const file = path.join(tmp, 'backbone_ir50_ms1m_epoch120.pth');
    writePth(file, { state_dict: sd }); // wrapped: the remap unwraps 'state_dict'
    const raw = readPth(file) as Map<string, unknown>;
    const out = remapFaceEvoLVe(raw);
    const expected = new Set(apvitExtractorKeys());
    const keys = [...out.keys()];
    const matched = keys.filter((k) => expected.has(k));
    const leftover = keys.filter((k) => !expected.has(k));
    expect(new Set(matched)).toEqual(expected); // every model key is provided: nothing missing
    expect(leftover.every((k) => /^body\.2[123]\.|^output_layer\./.test(k))).toBe(true);
    expect(leftover.some((k) => k.startsWith('body.21.shortcut_layer'))).toBe(true);
    // values follow their key
    const at = (k: string) => (out.get(k)!.data as Float32Array)[0];
    expect(at('body.0.2.res_layer.1.weight')).toBe(flat.indexOf('body.2.res_layer.1.weight'));
    expect(at('body.1.0.shortcut_layer.0.weight')).toBe(flat.indexOf('body.3.shortcut_layer.0.weight'));
    expect(at('body.1.3.res_layer.4.running_var')).toBe(flat.indexOf('body.6.res_layer.4.running_var'));
    expect(at('body.2.0.res_layer.3.weight')).toBe(flat.indexOf('body.7.res_layer.3.weight'));
    expect(at('body.2.13.res_layer.4.num_batches_tracked')).toBe(flat.indexOf('body.20.res_layer.4.num_batches_tracked'));
    expect(at('body.23.res_layer.1.weight')).toBe(flat.indexOf('body.23.res_layer.1.weight'));
    // a plain (unwrapped) state_dict gives the same result, read through readCheckpoint
    const plain = path.join(tmp, 'plain_ir50.pth');
    writePth(plain, sd);
    expect([...remapFaceEvoLVe(readCheckpoint(plain).stateDict).keys()]).toEqual(keys);
  });
});

function expectClose(got: ArrayLike<number>, want: number[]): void {
  expect(got.length).toBe(want.length);
  want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 10));
}

describe('timm ViT remap', () => {
  test('bilinear grid resize matches torch F.interpolate(align_corners=False) by hand', () => {
    // [[0,1],[2,3]] → 3×3: sample points 0, 0.5, 1 (the last clamps)
    expectClose(resizeGridBilinear([0, 1, 2, 3], 2, 2, 1, 3, 3), [0, 0.5, 1, 1, 1.5, 2, 2, 2.5, 3]);
    // 2×2 → 4×4: source coordinates 0 (clamped from -0.25), 0.25, 0.75, 1 (clamped)
    const s4 = [0, 0.25, 0.75, 1];
    const up = resizeGridBilinear([0, 1, 2, 3], 2, 2, 1, 4, 4);
    const exp4: number[] = [];
    for (const y of s4) for (const x of s4) exp4.push(x + 2 * y);
    expectClose(up, exp4);
    // 4×4 → 2×2: source coordinates 0.5 and 2.5
    const g = Array.from({ length: 16 }, (_, i) => i);
    expectClose(resizeGridBilinear(g, 4, 4, 1, 2, 2), [2.5, 4.5, 10.5, 12.5]);
    // channels are interpolated independently (D = 2, channel-last rows)
    const two = resizeGridBilinear([0, 10, 1, 20, 2, 30, 3, 40], 2, 2, 2, 3, 3);
    expectClose(Array.from(two).filter((_, i) => i % 2 === 1), [10, 15, 20, 20, 25, 30, 30, 35, 40]);
  });

  function timmStateDict(n: number, d: number): PyOrderedDict<string, TensorData> {
    const pos = fromFloat32(Array.from({ length: (n + 1) * d }, (_, i) => i), [1, n + 1, d]);
    return new PyOrderedDict<string, TensorData>([
      ['cls_token', fromFloat32([7, 8], [1, 1, d])],
      ['pos_embed', pos],
      ['patch_embed.proj.weight', fromFloat32(new Array(d * 3 * 4).fill(1), [d, 3, 2, 2])],
      ['patch_embed.proj.bias', fromFloat32([0, 0], [d])],
      ['blocks.0.attn.qkv.weight', fromFloat32(new Array(3 * d * d).fill(2), [3 * d, d])],
      ['norm.weight', fromFloat32([1, 1], [d])],
      ['head.weight', fromFloat32(new Array(5 * d).fill(0), [5, d])],
      ['head.bias', fromFloat32(new Array(5).fill(0), [5])],
    ]);
  }

  test('same patch count: pos_embed split, patch_embed/head dropped, model wrapper unwrapped', () => {
    const file = path.join(tmp, 'vit_small.pth');
    writePth(file, { model: timmStateDict(4, 2), epoch: 300 });
    const out = remapTimmVit(readPth(file) as Map<string, unknown>, 4);
    expect([...out.keys()].sort()).toEqual(['blocks.0.attn.qkv.weight', 'cls_pos_embed', 'cls_token', 'norm.weight', 'patch_pos_embed']);
    expect(out.get('cls_pos_embed')!.shape).toEqual([1, 1, 2]);
    expect(Array.from(out.get('cls_pos_embed')!.data as Float32Array)).toEqual([0, 1]);
    expect(out.get('patch_pos_embed')!.shape).toEqual([1, 4, 2]);
    expect(Array.from(out.get('patch_pos_embed')!.data as Float32Array)).toEqual([2, 3, 4, 5, 6, 7, 8, 9]);
  });

  test('different patch count: the patch grid is resized bilinearly, CLS row untouched', () => {
    const file = path.join(tmp, 'vit_sd.pth');
    writePth(file, timmStateDict(4, 2));
    const ck = readCheckpoint(file);
    const out = remapTimmVit(ck.stateDict, 9);
    const pp = out.get('patch_pos_embed')!;
    expect(pp.shape).toEqual([1, 9, 2]);
    expect(pp.dtype).toBe('float32');
    // patch rows: channel 0 grid [[2,4],[6,8]], channel 1 [[3,5],[7,9]]
    const c0 = Array.from(pp.data as Float32Array).filter((_, i) => i % 2 === 0);
    expectClose(c0, [2, 3, 4, 4, 5, 6, 6, 7, 8]);
    expect(Array.from(out.get('cls_pos_embed')!.data as Float32Array)).toEqual([0, 1]);
    expect(() => remapTimmVit(ck.stateDict, 10)).toThrow(/patch_num: 10 patches is not a square grid/);
  });
});
