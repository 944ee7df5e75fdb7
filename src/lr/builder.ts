/**
 * Builds an LR policy from an mmcv `lr_config` node:
 * `{ policy: 'CosineAnnealing', min_lr: 0, warmup: 'linear', ... }`
 * (a `type` key is accepted instead of `policy`).
 */
import { LR_SCHEDULES } from '../registry/root';
import { LrPolicy, LrPolicyError } from './policy';

export function buildLrPolicy(lrConfig: Record<string, unknown>, opts: { path?: string } = {}): LrPolicy {
  const path = opts.path ?? 'lr_config';
  if (!lrConfig || typeof lrConfig !== 'object' || Array.isArray(lrConfig)) throw new LrPolicyError(`${path}: expected an object like {policy: 'step', step: [30, 60]}`);
  const { policy, type, ...args } = lrConfig;
  const name = policy ?? type;
  if (typeof name !== 'string') {
    const known = LR_SCHEDULES.list().map((e) => e.name);
    throw new LrPolicyError(`${path}.policy is required (one of: ${known.join(', ')})`);
  }
  // mmcv title-cases all-lowercase policy names ('step' -> 'Step'); both spellings are registered.
  let built: unknown;
  try {
    built = LR_SCHEDULES.build<unknown>({ type: name, ...args }, { path });
  } catch (e) {
    // The registry speaks of `type`; mmcv configs say `policy`.
    if (policy !== undefined && e instanceof Error) e.message = e.message.split(`${path}.type:`).join(`${path}.policy:`);
    throw e;
  }
  if (!(built instanceof LrPolicy)) throw new LrPolicyError(`${path}.policy: '${name}' does not build an LrPolicy`);
  return built;
}
