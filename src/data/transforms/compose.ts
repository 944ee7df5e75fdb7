import { Type, type Static } from '@sinclair/typebox';
import { TRANSFORMS } from '../../registry/root';
import { Component } from '../../registry/schema';
import type { ConfigNode } from '../../registry/registry';
import type { Rng } from '../../utils/rng';
import type { Results, Transform } from '../types';

/** A pipeline entry: a built transform, a config node, or a plain function. */
export type PipelineEntry = Transform | ConfigNode | ((results: Results, rng: Rng) => Results | null | Promise<Results | null>);

function toTransform(t: PipelineEntry, path: string): Transform {
  if (typeof t === 'function') return { transform: t as Transform['transform'] };
  if (t && typeof (t as Transform).transform === 'function') return t as Transform;
  if (t && typeof t === 'object' && 'type' in t) return TRANSFORMS.build<Transform>(t as ConfigNode, { path });
  throw new Error(`${path}: a pipeline entry must be a transform, a config node with 'type', or a function`);
}

/** Runs transforms in order; stops at the first `null` (sample dropped). */
export async function runPipeline(transforms: Transform[], results: Results, rng: Rng): Promise<Results | null> {
  let r: Results | null = results;
  for (const t of transforms) {
    const out: Results | null | Promise<Results | null> = t.transform(r, rng);
    r = out instanceof Promise ? await out : out;
    if (r === null) return null;
  }
  return r;
}

export const ComposeArgs = Type.Object(
  { transforms: Type.Array(Component<Transform>(TRANSFORMS), { description: 'Transforms applied in order' }) },
  { additionalProperties: false },
);
export type ComposeArgs = Static<typeof ComposeArgs>;

/** mmcls Compose: a list of transforms applied in order. */
@TRANSFORMS.register({ name: 'Compose', schema: ComposeArgs, description: 'Applies a list of transforms in order' })
export class Compose implements Transform {
  readonly transforms: Transform[];
  constructor(args: { transforms: PipelineEntry[] } | PipelineEntry[], ctx?: { path?: string }) {
    const list = Array.isArray(args) ? args : args.transforms;
    const path = ctx?.path ?? 'pipeline';
    this.transforms = list.map((t, i) => toTransform(t, `${path}.${i}`));
  }
  transform(results: Results, rng: Rng): Promise<Results | null> {
    return runPipeline(this.transforms, results, rng);
  }
}
