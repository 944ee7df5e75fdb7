/** LR policies against values worked out by hand from mmcv's LrUpdaterHook formulas. */
import { applyLr, buildLrPolicy, lrAt, groupLrsAt, annealingCos, CosineAnnealingLr, StepLr, FixedLr, type LrProgress } from '../../src/lr';

const at = (o: Partial<LrProgress>): LrProgress => ({ epoch: 0, iter: 0, maxEpochs: 40, maxIters: 400, itersPerEpoch: 10, ...o });

describe('CosineAnnealing', () => {
  it('reproduces the APViT schedule (min_lr 0, 40 epochs, by epoch, no warmup)', () => {
    const pol = buildLrPolicy({ policy: 'CosineAnnealing', min_lr: 0 });
    expect(pol).toBeInstanceOf(CosineAnnealingLr);
    const lr = (epoch: number, iter = epoch * 10) => lrAt(pol, 1e-3, at({ epoch, iter }));
    expect(lr(0)).toBeCloseTo(1e-3, 15);
    expect(lr(20)).toBeCloseTo(5e-4, 15);
    // 0.5e-3 * (1 + cos(39*pi/40)) = 0.5e-3 * (1 - 0.9969173337331280) = 1.54133313343599e-6
    expect(lr(39)).toBeCloseTo(1.541333133436e-6, 15);
    // Constant inside an epoch.
    expect(lr(39, 395)).toBe(lr(39, 390));
  });

  it('min_lr_ratio, by iteration', () => {
    const pol = buildLrPolicy({ policy: 'CosineAnnealing', min_lr_ratio: 0.01, by_epoch: false });
    // target 0.001; halfway: 0.001 + 0.5 * 0.099 * (1 + cos(pi/2)) = 0.0505
    expect(lrAt(pol, 0.1, at({ iter: 50, maxIters: 100 }))).toBeCloseTo(0.0505, 12);
    expect(lrAt(pol, 0.1, at({ iter: 100, maxIters: 100 }))).toBeCloseTo(0.001, 12);
    expect(annealingCos(1, 0, 0.25)).toBeCloseTo(0.8535533905932737, 12);
  });

  it('needs exactly one of min_lr and min_lr_ratio', () => {
    expect(() => buildLrPolicy({ policy: 'CosineAnnealing' })).toThrow(/exactly one of 'min_lr' and 'min_lr_ratio'/);
    expect(() => new CosineAnnealingLr({ min_lr: 0, min_lr_ratio: 0.1 })).toThrow(/exactly one/);
  });
});

describe('step / poly / exp / inv / fixed', () => {
  it('step with a list of milestones and min_lr', () => {
    const pol = buildLrPolicy({ policy: 'step', step: [3, 6], gamma: 0.1 });
    const e = (epoch: number) => lrAt(pol, 0.1, at({ epoch, iter: epoch * 10 }));
    expect([e(0), e(2)]).toEqual([0.1, 0.1]);
    expect(e(3)).toBeCloseTo(0.01, 15);
    expect(e(5)).toBeCloseTo(0.01, 15);
    expect(e(6)).toBeCloseTo(0.001, 15);
    expect(e(30)).toBeCloseTo(0.001, 15);
    const clipped = buildLrPolicy({ policy: 'Step', step: [3, 6], min_lr: 0.005 });
    expect(lrAt(clipped, 0.1, at({ epoch: 6 }))).toBe(0.005);
  });

  it('step with an int, by iteration', () => {
    const pol = new StepLr({ step: 2, gamma: 0.5, by_epoch: false });
    expect([0, 1, 2, 3, 4, 5].map((iter) => lrAt(pol, 1, at({ iter })))).toEqual([1, 1, 0.5, 0.5, 0.25, 0.25]);
    expect(() => new StepLr({ step: 0 })).toThrow(/positive integer/);
    expect(() => new StepLr({ step: [2, 1.5] })).toThrow(/positive integers/);
  });

  it('poly', () => {
    const pol = buildLrPolicy({ policy: 'poly', power: 2, min_lr: 1e-4, by_epoch: false });
    // (0.01 - 1e-4) * 0.75^2 + 1e-4 = 0.00566875
    expect(lrAt(pol, 0.01, at({ iter: 25, maxIters: 100 }))).toBeCloseTo(0.00566875, 15);
    expect(lrAt(pol, 0.01, at({ iter: 100, maxIters: 100 }))).toBeCloseTo(1e-4, 15);
    const byEpoch = buildLrPolicy({ policy: 'poly' }); // power 1, min_lr 0
    expect(lrAt(byEpoch, 1, at({ epoch: 10, maxEpochs: 40 }))).toBeCloseTo(0.75, 15);
  });

  it('exp and inv', () => {
    const pol = buildLrPolicy({ policy: 'exp', gamma: 0.9 });
    expect(lrAt(pol, 1, at({ epoch: 3 }))).toBeCloseTo(0.729, 15);
    const inv = buildLrPolicy({ policy: 'inv', gamma: 0.5, power: 2, by_epoch: false });
    expect(lrAt(inv, 1, at({ iter: 2 }))).toBeCloseTo(0.25, 15); // (1 + 0.5 * 2)^-2
  });

  it('fixed', () => {
    const pol = buildLrPolicy({ policy: 'fixed' });
    expect(pol).toBeInstanceOf(FixedLr);
    expect(lrAt(pol, 0.3, at({ epoch: 7, iter: 77 }))).toBe(0.3);
  });
});

describe('warmup (per iteration)', () => {
  const base = { policy: 'fixed', warmup_iters: 10, warmup_ratio: 0.1 };
  it('linear: lr * (1 - (1 - i/w) * (1 - ratio))', () => {
    const pol = buildLrPolicy({ ...base, warmup: 'linear' });
    expect(lrAt(pol, 1, at({ iter: 0 }))).toBeCloseTo(0.1, 15);
    expect(lrAt(pol, 1, at({ iter: 5 }))).toBeCloseTo(0.55, 15);
    expect(lrAt(pol, 1, at({ iter: 9 }))).toBeCloseTo(0.91, 15);
    expect(lrAt(pol, 1, at({ iter: 10, epoch: 1 }))).toBe(1);
    expect(pol.getWarmupLr(5, 2)).toBeCloseTo(1.1, 15);
  });
  it('constant: lr * ratio', () => {
    const pol = buildLrPolicy({ ...base, warmup: 'constant' });
    expect([0, 9].map((iter) => lrAt(pol, 1, at({ iter })))).toEqual([0.1, 0.1]);
    expect(lrAt(pol, 1, at({ iter: 10, epoch: 1 }))).toBe(1);
  });
  it('exp: lr * ratio ** (1 - i/w)', () => {
    const pol = buildLrPolicy({ ...base, warmup: 'exp' });
    expect(lrAt(pol, 1, at({ iter: 0 }))).toBeCloseTo(0.1, 15);
    expect(lrAt(pol, 1, at({ iter: 5 }))).toBeCloseTo(0.31622776601683794, 14);
    expect(lrAt(pol, 1, at({ iter: 10, epoch: 1 }))).toBe(1);
  });
  it('warmup_by_epoch counts epochs of itersPerEpoch iterations', () => {
    const pol = buildLrPolicy({ policy: 'fixed', warmup: 'linear', warmup_iters: 2, warmup_ratio: 0.1, warmup_by_epoch: true });
    expect(lrAt(pol, 1, at({ iter: 5, itersPerEpoch: 5 }))).toBeCloseTo(0.55, 15);
    expect(lrAt(pol, 1, at({ iter: 10, epoch: 2, itersPerEpoch: 5 }))).toBe(1);
    expect(() => pol.getWarmupLr(1, 1)).toThrow(/iterations per epoch/);
  });
  it('scales the regular LR of the current epoch (by_epoch) or iteration', () => {
    const step = buildLrPolicy({ policy: 'step', step: [1], warmup: 'linear', warmup_iters: 10, warmup_ratio: 0.1 });
    // epoch 1 regular = 0.1; iter 6: k = 0.4 * 0.9 = 0.36 -> 0.1 * 0.64
    expect(lrAt(step, 1, at({ epoch: 1, iter: 6, itersPerEpoch: 5 }))).toBeCloseTo(0.064, 15);
    const cos = buildLrPolicy({ policy: 'CosineAnnealing', min_lr: 0, by_epoch: false, warmup: 'linear', warmup_iters: 10, warmup_ratio: 0.1 });
    // regular 0.5 * (1 + cos(0.05 pi)) = 0.9938441702975689, warmup factor 0.55
    expect(lrAt(cos, 1, at({ iter: 5, maxIters: 100 }))).toBeCloseTo(0.9938441702975689 * 0.55, 14);
    expect(groupLrsAt(cos, [1, 2], at({ iter: 5, maxIters: 100 }))[1]).toBeCloseTo(2 * 0.9938441702975689 * 0.55, 14);
  });
  it('validates warmup arguments like mmcv', () => {
    expect(() => buildLrPolicy({ policy: 'fixed', warmup: 'cosine', warmup_iters: 3 })).toThrow(/warmup/);
    expect(() => buildLrPolicy({ policy: 'fixed', warmup: 'linear' })).toThrow(/warmup_iters/);
    expect(() => buildLrPolicy({ policy: 'fixed', warmup: 'linear', warmup_iters: 5, warmup_ratio: 0 })).toThrow(/warmup_ratio/);
  });
});

describe('buildLrPolicy', () => {
  it('accepts mmcv names, round-trips through toJSON, and names unknown policies', () => {
    const pol = buildLrPolicy({ policy: 'step', step: [30, 60], gamma: 0.2, warmup: 'linear', warmup_iters: 500, warmup_ratio: 0.25 });
    const again = buildLrPolicy(JSON.parse(JSON.stringify(pol.toJSON())));
    const p = at({ epoch: 31, iter: 310 });
    expect(lrAt(again, 0.1, p)).toBe(lrAt(pol, 0.1, p));
    expect(() => buildLrPolicy({ policy: 'Cosine' })).toThrow(/lr_config\.policy: 'Cosine' is not registered/);
    expect(() => buildLrPolicy({ step: 3 })).toThrow(/lr_config\.policy is required.*CosineAnnealing/);
  });
});

describe('applyLr', () => {
  it('scales each group\'s initial LR and sets it on the optimizer', () => {
    let set: number[] = [];
    const fakeOpt = { getInitialLr: () => [0.1, 0.01], setLr: (l: number[]) => (set = l) };
    const pol = buildLrPolicy({ policy: 'step', step: [2] });
    expect(applyLr(fakeOpt, pol, at({ epoch: 2, iter: 20 }))).toEqual(set);
    expect(set[0]).toBeCloseTo(0.01, 15);
    expect(set[1]).toBeCloseTo(0.001, 15);
  });
});
