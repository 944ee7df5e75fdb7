import { Type, type Static } from '@sinclair/typebox';
import { TRANSFORMS } from '../../registry/root';
import type { ConfigNode } from '../../registry/registry';
import type { Rng } from '../../utils/rng';
import type { Results, Transform } from '../types';
import { runPipeline } from './compose';
import { RAND_AUG_POLICIES } from './rand-augment-policies';

const Policy = Type.Object(
  {
    type: Type.String(),
    magnitude_key: Type.Optional(Type.String({ description: 'Argument that receives the magnitude' })),
    magnitude_range: Type.Optional(Type.Tuple([Type.Number(), Type.Number()])),
  },
  { additionalProperties: true },
);

export const RandAugmentArgs = Type.Object(
  {
    policies: Type.Union([
      Type.Array(Policy, { minItems: 1, description: 'Augmentation configs; a policy with magnitude_key gets its magnitude from the level' }),
      Type.String({ description: `A named list: ${Object.keys(RAND_AUG_POLICIES).join(', ')}` }),
    ]),
    num_policies: Type.Integer({ minimum: 0 }),
    magnitude_level: Type.Number({ minimum: 0 }),
    magnitude_std: Type.Optional(Type.Union([Type.Number({ minimum: 0 }), Type.Literal('inf')], { default: 0 })),
    total_level: Type.Optional(Type.Number({ exclusiveMinimum: 0, default: 30 })),
  },
  { additionalProperties: false },
);
export type RandAugmentArgs = Static<typeof RandAugmentArgs>;

/**
 * mmcls RandAugment: picks num_policies policies with replacement, maps the
 * (optionally jittered) magnitude level linearly into each magnitude_range,
 * then applies them in order. Each op keeps its own `prob`.
 */
@TRANSFORMS.register({ name: 'RandAugment', schema: RandAugmentArgs, description: 'RandAugment over auto-augment ops' })
export class RandAugment implements Transform {
  readonly policies: ConfigNode[];
  constructor(readonly args: RandAugmentArgs) {
    if (typeof args.policies === 'string') {
      const named = RAND_AUG_POLICIES[args.policies];
      if (!named) throw new Error(`RandAugment.policies: unknown policy list '${args.policies}'; use ${Object.keys(RAND_AUG_POLICIES).join(', ')} or a list of ops`);
      this.policies = named as ConfigNode[];
    } else {
      this.policies = args.policies as ConfigNode[];
    }
    for (const [i, p] of this.policies.entries()) {
      if (!TRANSFORMS.has(p.type as string)) throw new Error(`RandAugment: policies.${i}.type '${String(p.type)}' is not a registered transform`);
      if (p.magnitude_key && !p.magnitude_range) throw new Error(`RandAugment: policies.${i} has magnitude_key but no magnitude_range`);
    }
  }
  private level(rng: Rng): number {
    const std = this.args.magnitude_std ?? 0;
    const total = this.args.total_level ?? 30;
    let v = this.args.magnitude_level;
    if (std === 'inf') v = rng.uniform(0, v);
    else if (std > 0) v = v + std * rng.normal();
    return Math.min(total, Math.max(0, v));
  }
  transform(results: Results, rng: Rng): Promise<Results | null> | Results {
    if (this.args.num_policies === 0) return results;
    const total = this.args.total_level ?? 30;
    const chosen: Transform[] = [];
    for (let i = 0; i < this.args.num_policies; i++) {
      const p = this.policies[Math.floor(rng.random() * this.policies.length)];
      const { magnitude_key, magnitude_range, ...node } = p as ConfigNode & { magnitude_key?: string; magnitude_range?: [number, number] };
      if (magnitude_key && magnitude_range) {
        const lv = this.level(rng);
        node[magnitude_key] = (lv / total) * (magnitude_range[1] - magnitude_range[0]) + magnitude_range[0];
      }
      chosen.push(TRANSFORMS.build<Transform>(node as ConfigNode, { path: `RandAugment.policies.${i}` }));
    }
    return runPipeline(chosen, results, rng);
  }
}
