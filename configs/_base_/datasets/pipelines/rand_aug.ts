/**
 * mmcls `_base_/datasets/pipelines/rand_aug.py`: the RandAugment policy list
 * whose magnitudes increase with the level ("rand_increasing").
 */
export const rand_increasing_policies = [
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
