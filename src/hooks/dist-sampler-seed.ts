/**
 * Sets the sampler epoch before every train epoch, so shuffles differ per
 * epoch yet agree across ranks, and a resumed run sees the same order as an
 * uninterrupted one (the shuffle is a function of seed and epoch only).
 */
import { Type, type Static } from '@sinclair/typebox';
import { HOOKS } from '../registry/root';
import type { BaseRunner } from '../runner/base-runner';
import { Hook } from '../runner/hook';
import { HookPriorityProp, Priority } from '../runner/priority';

export const DistSamplerSeedHookArgs = Type.Object({ ...HookPriorityProp }, { additionalProperties: false });
export type DistSamplerSeedHookArgs = Static<typeof DistSamplerSeedHookArgs>;

@HOOKS.register({ name: 'DistSamplerSeedHook', schema: DistSamplerSeedHookArgs, description: 'sampler.setEpoch(epoch) before each epoch' })
export class DistSamplerSeedHook extends Hook {
  static override priority = Priority.NORMAL;
  readonly name = 'DistSamplerSeedHook';

  constructor(_args: DistSamplerSeedHookArgs = {}) {
    super();
  }

  override beforeTrainEpoch(runner: BaseRunner): void {
    if (runner.dataLoader) runner.setLoaderEpoch(runner.dataLoader, runner.epoch);
  }
}
