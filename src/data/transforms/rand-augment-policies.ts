/**
 * Named RandAugment policy lists, for `RandAugment.policies: '<name>'`.
 * Magnitudes are mapped linearly from the level: value = level / total_level
 * · (range[1] - range[0]) + range[0].
 */

/** mmcls `_base_/datasets/pipelines/rand_aug.py` ("rand_increasing"); each op keeps its default prob 0.5. */
export const RAND_INCREASING_POLICIES = [
  { type: 'AutoContrast' },
  { type: 'Equalize' },
  { type: 'Invert' },
  { type: 'Rotate', magnitude_key: 'angle', magnitude_range: [0, 30] },
  { type: 'Posterize', magnitude_key: 'bits', magnitude_range: [4, 0] },
  { type: 'Solarize', magnitude_key: 'thr', magnitude_range: [256, 0] },
  { type: 'SolarizeAdd', magnitude_key: 'magnitude', magnitude_range: [0, 110] },
  { type: 'ColorTransform', magnitude_key: 'magnitude', magnitude_range: [0, 0.9] },
  { type: 'Contrast', magnitude_key: 'magnitude', magnitude_range: [0, 0.9] },
  { type: 'Brightness', magnitude_key: 'magnitude', magnitude_range: [0, 0.9] },
  { type: 'Sharpness', magnitude_key: 'magnitude', magnitude_range: [0, 0.9] },
  { type: 'Shear', magnitude_key: 'magnitude', magnitude_range: [0, 0.3], direction: 'horizontal' },
  { type: 'Shear', magnitude_key: 'magnitude', magnitude_range: [0, 0.3], direction: 'vertical' },
  { type: 'Translate', magnitude_key: 'magnitude', magnitude_range: [0, 0.45], direction: 'horizontal' },
  { type: 'Translate', magnitude_key: 'magnitude', magnitude_range: [0, 0.45], direction: 'vertical' },
];

/**
 * PaddleClas `ppcls/data/preprocess/ops/randaugment.py` (`RandAugment`, used
 * by the TransFER Paddle recipe with num_layers 2, magnitude 5 on its 0-10
 * scale: give `total_level: 10`): its 14 ops, no SolarizeAdd, each applied
 * every time it is drawn (prob 1), the signed ones with a random sign, border
 * fill 128. The ops read BGR images and take gray as 0.114 B + 0.587 G +
 * 0.299 R, which is PIL's luminance of the RGB image ppcls works on, so each
 * op acts as ppcls's does on RGB. Where mmcv and PIL differ:
 * - rotate: ppcls (PIL) turns counter-clockwise by +30·m/10 with no random
 *   sign; mmcv's angle is clockwise, hence the negative range;
 * - posterize: ppcls keeps int(4·m/10) bits (truncated; at m = 5, 2 bits),
 *   hence `rounding: 'floor'` (mmcv rounds up);
 * - shear: PIL bicubic; the closest interpolation here is bilinear;
 * - translate: 150/331 of the image size at m = 10, nearest, as ppcls.
 */
export const PPCLS_POLICIES = [
  { type: 'Shear', magnitude_key: 'magnitude', magnitude_range: [0, 0.3], direction: 'horizontal', prob: 1, random_negative_prob: 0.5, interpolation: 'bilinear' },
  { type: 'Shear', magnitude_key: 'magnitude', magnitude_range: [0, 0.3], direction: 'vertical', prob: 1, random_negative_prob: 0.5, interpolation: 'bilinear' },
  { type: 'Translate', magnitude_key: 'magnitude', magnitude_range: [0, 150 / 331], direction: 'horizontal', prob: 1, random_negative_prob: 0.5, interpolation: 'nearest' },
  { type: 'Translate', magnitude_key: 'magnitude', magnitude_range: [0, 150 / 331], direction: 'vertical', prob: 1, random_negative_prob: 0.5, interpolation: 'nearest' },
  { type: 'Rotate', magnitude_key: 'angle', magnitude_range: [0, -30], prob: 1, random_negative_prob: 0, interpolation: 'nearest' },
  { type: 'ColorTransform', magnitude_key: 'magnitude', magnitude_range: [0, 0.9], prob: 1, random_negative_prob: 0.5 },
  { type: 'Posterize', magnitude_key: 'bits', magnitude_range: [0, 4], prob: 1, rounding: 'floor' },
  { type: 'Solarize', magnitude_key: 'thr', magnitude_range: [0, 256], prob: 1 },
  { type: 'Contrast', magnitude_key: 'magnitude', magnitude_range: [0, 0.9], prob: 1, random_negative_prob: 0.5 },
  { type: 'Sharpness', magnitude_key: 'magnitude', magnitude_range: [0, 0.9], prob: 1, random_negative_prob: 0.5 },
  { type: 'Brightness', magnitude_key: 'magnitude', magnitude_range: [0, 0.9], prob: 1, random_negative_prob: 0.5 },
  { type: 'AutoContrast', prob: 1 },
  { type: 'Equalize', prob: 1 },
  { type: 'Invert', prob: 1 },
];

/** The policy lists `RandAugment.policies` accepts by name. */
export const RAND_AUG_POLICIES: Record<string, Array<Record<string, unknown>>> = {
  rand_increasing: RAND_INCREASING_POLICIES,
  ppcls: PPCLS_POLICIES,
};
