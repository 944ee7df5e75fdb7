/** The PaddleClas RandAugment policy (`policies: 'ppcls'`) used by the TransFER recipe. */
import '../../src/registry/validate';
import '../../src/data';
import type { RandAugment } from '../../src/data';
import type { Results } from '../../src/data';
import { PPCLS_POLICIES } from '../../src/data/transforms/rand-augment-policies';
import { TRANSFORMS } from '../../src/registry/root';
import type { Rng } from '../../src/utils/rng';

/** An Rng whose random() draws are scripted. */
function draws(values: number[]): Rng {
  const q = [...values];
  return {
    random: () => {
      if (!q.length) throw new Error('scripted rng: no random() draw left');
      return q.shift()!;
    },
    normal: () => 0,
  } as unknown as Rng;
}

const px = (v: number[]): Results => ({ img: { data: Uint8Array.from(v), shape: [1, 1, v.length] as [number, number, number] } });
const build = (over: Record<string, unknown> = {}) =>
  TRANSFORMS.build<RandAugment>({ type: 'RandAugment', policies: 'ppcls', num_policies: 2, magnitude_level: 5, total_level: 10, ...over });

describe("RandAugment policies: 'ppcls'", () => {
  it("is ppcls's 14-op list: Invert in, SolarizeAdd out, every op applied when drawn", () => {
    const t = build();
    expect(t.policies).toHaveLength(14);
    const types = t.policies.map((p) => p.type);
    expect(types).toContain('Invert');
    expect(types).not.toContain('SolarizeAdd');
    expect(new Set(types)).toEqual(new Set(['Shear', 'Translate', 'Rotate', 'ColorTransform', 'Posterize', 'Solarize', 'Contrast', 'Sharpness', 'Brightness', 'AutoContrast', 'Equalize', 'Invert']));
    for (const p of t.policies) expect(p.prob).toBe(1);
  });

  it("maps magnitude 5 of 10 to ppcls's level_map values", () => {
    const at = (i: number) => {
      const p = PPCLS_POLICIES[i] as { magnitude_range?: number[] };
      return p.magnitude_range ? 0.5 * (p.magnitude_range[1] - p.magnitude_range[0]) + p.magnitude_range[0] : null;
    };
    const byType = (type: string) => PPCLS_POLICIES.findIndex((p) => p.type === type);
    expect(at(byType('Shear'))).toBeCloseTo(0.15, 12);
    expect(at(byType('Translate'))).toBeCloseTo((150 / 331) * 0.5, 12);
    expect(at(byType('Rotate'))).toBeCloseTo(-15, 12); // PIL +15° counter-clockwise = mmcv -15° (clockwise positive)
    expect(at(byType('ColorTransform'))).toBeCloseTo(0.45, 12);
    expect(at(byType('Posterize'))).toBeCloseTo(2, 12);
    expect(at(byType('Solarize'))).toBeCloseTo(128, 12);
  });

  it('applies both drawn ops even at a prob draw of 0.99 (mmcls ops default to prob 0.5)', async () => {
    const t = build();
    const solarize = PPCLS_POLICIES.findIndex((p) => p.type === 'Solarize');
    const posterize = PPCLS_POLICIES.findIndex((p) => p.type === 'Posterize');
    // draws: pick Solarize, pick Posterize, then each op's prob draw
    const rng = draws([(solarize + 0.5) / 14, (posterize + 0.5) / 14, 0.99, 0.99]);
    const out = (await t.transform(px([127, 128, 200]), rng)) as Results;
    // solarize at 128: [127, 127, 55]; posterize to int(2.0) = 2 bits: [64, 64, 0]
    expect(Array.from(out.img!.data)).toEqual([64, 64, 0]);
  });

  it('posterize truncates fractional bits like ppcls when asked (mmcv rounds up)', () => {
    const floor = TRANSFORMS.build<{ transform: (r: Results, g: Rng) => Results }>({ type: 'Posterize', bits: 1.2, rounding: 'floor', prob: 1 });
    const ceil = TRANSFORMS.build<{ transform: (r: Results, g: Rng) => Results }>({ type: 'Posterize', bits: 1.2, prob: 1 });
    expect(Array.from(floor.transform(px([200, 100, 64]), draws([0])).img!.data)).toEqual([128, 0, 0]);
    expect(Array.from(ceil.transform(px([200, 100, 64]), draws([0])).img!.data)).toEqual([192, 64, 64]);
  });

  it("weights colours as PIL does on RGB: the ops read BGR and give red R's luminance weight", () => {
    // factor 0 turns the pixel into its gray value: pure red (BGR 0,0,255) -> 0.299 * 255 = 76
    const gray = TRANSFORMS.build<{ transform: (r: Results, g: Rng) => Results }>({ type: 'ColorTransform', magnitude: -1, prob: 1, random_negative_prob: 0 });
    expect(Array.from(gray.transform(px([0, 0, 255]), draws([0, 0.9])).img!.data)).toEqual([76, 76, 76]);
  });

  it('names the known lists for an unknown name', () => {
    expect(() => build({ policies: 'timm' })).toThrow(/RandAugment\.policies: unknown policy list 'timm'; use rand_increasing, ppcls/);
  });
});
