/** Test-only plugin: a hook that throws on one rank at a given iteration (fault injection through the real runner). */
import { Type, type Static } from '@sinclair/typebox';
import { HOOKS } from '../../../src/registry/root';
import type { BaseRunner } from '../../../src/runner/base-runner';
import { Hook } from '../../../src/runner/hook';
import { HookPriorityProp } from '../../../src/runner/priority';

export const FailOnRankHookArgs = Type.Object(
  { rank: Type.Integer({ minimum: 0 }), iter: Type.Integer({ minimum: 1 }), ...HookPriorityProp },
  { additionalProperties: false },
);
export type FailOnRankHookArgs = Static<typeof FailOnRankHookArgs>;

@HOOKS.register({ name: 'FailOnRankHook', schema: FailOnRankHookArgs, description: 'test-only: throws on one rank' })
export class FailOnRankHook extends Hook {
  readonly name = 'FailOnRankHook';
  constructor(private readonly args: FailOnRankHookArgs) {
    super();
  }
  override afterTrainIter(runner: BaseRunner): void {
    if (runner.rank === this.args.rank && runner.iter + 1 >= this.args.iter) {
      throw new Error(`injected failure on rank ${runner.rank} at iter ${runner.iter + 1}`);
    }
  }
}
