/**
 * mmcls `_base_/datasets/pipelines/rand_aug.py`: the RandAugment policy list
 * whose magnitudes increase with the level ("rand_increasing"). The same list
 * is built in as `RandAugment.policies: 'rand_increasing'`; PaddleClas's is
 * `'ppcls'` (src/data/transforms/rand-augment-policies.ts).
 */
import { RAND_INCREASING_POLICIES } from 'fer-mm/data';

export const rand_increasing_policies = RAND_INCREASING_POLICIES;
