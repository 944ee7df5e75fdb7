/**
 * mmcv's `register_training_hooks`: the default hooks from the config's
 * `lr_config`, `momentum_config`, `optimizer_config`, `checkpoint_config`,
 * `log_config` (+ timer) and `custom_hooks`, each at its mmcv priority.
 * Epoch-based runs also get the DistSamplerSeedHook, and every run the
 * PlateauDetectorHook (checked at the log interval) unless `plateau_config` is null. An iter-based runner defaults `by_epoch` to false on the LR, checkpoint and
 * logger hooks (the config may still set it).
 */
import type { ConfigNode } from '../registry/registry';
import type { BaseRunner } from './base-runner';
import type { PriorityLike } from './priority';

type Node = Record<string, unknown>;

export interface TrainingHooksConfig {
  lr_config?: Node | null;
  momentum_config?: Node | null;
  optimizer_config?: Node | null;
  checkpoint_config?: Node | null;
  log_config?: { interval?: number; hooks?: Node[]; [k: string]: unknown } | null;
  timer_config?: Node | null;
  custom_hooks?: Node[] | null;
  /** PlateauDetectorHook args; null: no plateau check; absent: on with the log interval. */
  plateau_config?: Node | null;
}

export interface RegisterTrainingHooksOptions {
  /** false for iter-based runners. */
  byEpoch?: boolean;
  /** Skip the checkpoint hook (the train API registers it after the eval hook). */
  skipCheckpoint?: boolean;
}

function withType(node: Node | null | undefined, type: string): Node {
  const n = { ...(node ?? {}) };
  if (!n.type) n.type = type;
  return n;
}

export function registerTrainingHooks(runner: BaseRunner, cfg: TrainingHooksConfig, opts: RegisterTrainingHooksOptions = {}): void {
  const byEpoch = opts.byEpoch ?? true;
  if (cfg.lr_config) {
    const node = withType(cfg.lr_config, 'LrUpdaterHook');
    if (!byEpoch && node.by_epoch === undefined) node.by_epoch = false;
    runner.registerHookFromCfg(node, 'lr_config');
  }
  if (cfg.momentum_config) {
    throw new Error(
      `momentum_config: momentum schedules are not supported yet (got ${JSON.stringify(cfg.momentum_config)}); set momentum_config to null`,
    );
  }
  if (cfg.optimizer_config !== null && cfg.optimizer_config !== undefined) {
    runner.registerHookFromCfg(withType(cfg.optimizer_config, 'OptimizerHook'), 'optimizer_config');
  } else {
    runner.registerHookFromCfg({ type: 'OptimizerHook' }, 'optimizer_config');
  }
  // mmcls adds this only when distributed; we always do, so a shuffle is a function of
  // (seed, epoch) and a resumed run sees the same order as an uninterrupted one.
  if (byEpoch) runner.registerHookFromCfg({ type: 'DistSamplerSeedHook' }, 'dist_sampler_seed');
  if (cfg.checkpoint_config && !opts.skipCheckpoint) registerCheckpointHook(runner, cfg.checkpoint_config, byEpoch);
  runner.registerHookFromCfg(withType(cfg.timer_config, 'IterTimerHook'), 'timer_config');
  if (cfg.log_config) {
    const interval = cfg.log_config.interval ?? 10;
    (cfg.log_config.hooks ?? []).forEach((h, i) => {
      const node: Node = { ...h };
      if (node.interval === undefined) node.interval = interval;
      if (!byEpoch && node.by_epoch === undefined) node.by_epoch = false;
      runner.registerHookFromCfg(node, `log_config.hooks.${i}`);
    });
  }
  if (cfg.plateau_config !== null) {
    const node = withType(cfg.plateau_config, 'PlateauDetectorHook');
    if (node.interval === undefined) node.interval = cfg.log_config?.interval ?? 10;
    runner.registerHookFromCfg(node, 'plateau_config');
  }
  (cfg.custom_hooks ?? []).forEach((h, i) => registerCustomHook(runner, h, `custom_hooks.${i}`));
}

export function registerCheckpointHook(runner: BaseRunner, node: Node, byEpoch = true, priority?: PriorityLike): void {
  const n = withType(node, 'CheckpointHook');
  if (!byEpoch && n.by_epoch === undefined) n.by_epoch = false;
  if (priority !== undefined && n.priority === undefined) n.priority = priority;
  runner.registerHookFromCfg(n, 'checkpoint_config');
}

/**
 * A custom hook: `{ type, priority?, ...args }`. Without `priority` the hook
 * class's own `static priority` applies (NORMAL unless the class says
 * otherwise), as MMEngine does; mmcv 1.x always used NORMAL.
 */
export function registerCustomHook(runner: BaseRunner, node: Node, where: string): void {
  if (!node || typeof node !== 'object' || typeof node.type !== 'string') {
    throw new Error(`${where}: a hook config needs a string 'type' (got ${JSON.stringify(node)})`);
  }
  runner.registerHookFromCfg({ ...node } as ConfigNode, where);
}
