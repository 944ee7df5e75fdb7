/**
 * Saves checkpoints every `interval` epochs (or iters with `by_epoch: false`),
 * plus the last one with `save_last`, keeps at most `max_keep_ckpts` of them,
 * and points `<out_dir>/latest` at the newest (mmcv `CheckpointHook`). Files
 * are written atomically by the checkpoint IO.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Type, type Static } from '@sinclair/typebox';
import { removeStaleTempFiles } from '../checkpoint/stale-temp';
import { HOOKS } from '../registry/root';
import type { BaseRunner } from '../runner/base-runner';
import { Hook } from '../runner/hook';
import { HookPriorityProp, Priority } from '../runner/priority';

export const CheckpointHookArgs = Type.Object(
  {
    ...HookPriorityProp,
    /** Save every `interval` epochs/iters; -1 saves only the last one (with save_last). */
    interval: Type.Integer({ default: -1 }),
    /** Count `interval` in epochs (true) or iterations (false). */
    by_epoch: Type.Boolean({ default: true }),
    /** Store the optimizer state too (needed to resume exactly). */
    save_optimizer: Type.Boolean({ default: true }),
    /** Directory for checkpoints; default the work dir. A given dir gets the work dir's basename appended (mmcv). */
    out_dir: Type.Optional(Type.Union([Type.String(), Type.Null()])),
    /** Keep only the newest N interval checkpoints; -1 keeps all. */
    max_keep_ckpts: Type.Integer({ default: -1 }),
    /** Always save after the final epoch/iter. */
    save_last: Type.Boolean({ default: true }),
    /** mmcv's symlink option; we always write the `latest` pointer file instead (kept for config compatibility). */
    create_symlink: Type.Boolean({ default: true }),
    /** Name template; `{}` is the epoch/iter number. Default `epoch_{}` / `iter_{}` plus the checkpoint extension. */
    filename_tmpl: Type.Optional(Type.String()),
    /** All-reduce buffers before saving (distributed; no-op in one process). */
    sync_buffer: Type.Boolean({ default: false }),
    /** Extra meta stored in every checkpoint. */
    meta: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);
export type CheckpointHookArgs = Static<typeof CheckpointHookArgs>;

@HOOKS.register({ name: 'CheckpointHook', schema: CheckpointHookArgs, description: 'periodic checkpoints, max_keep_ckpts, save_last, latest pointer' })
export class CheckpointHook extends Hook {
  static override priority = Priority.NORMAL;
  readonly name = 'CheckpointHook';
  readonly interval: number;
  readonly byEpoch: boolean;
  readonly saveOptimizer: boolean;
  readonly maxKeepCkpts: number;
  readonly saveLast: boolean;
  readonly extraMeta: Record<string, unknown>;
  private readonly outDirArg: string | null;
  private readonly tmpl?: string;
  outDir = '';

  constructor(args: Partial<CheckpointHookArgs> = {}) {
    super();
    this.interval = args.interval ?? -1;
    this.byEpoch = args.by_epoch ?? true;
    this.saveOptimizer = args.save_optimizer ?? true;
    this.maxKeepCkpts = args.max_keep_ckpts ?? -1;
    this.saveLast = args.save_last ?? true;
    this.outDirArg = args.out_dir ?? null;
    this.tmpl = args.filename_tmpl;
    this.extraMeta = args.meta ?? {};
    if (this.tmpl !== undefined && !this.tmpl.includes('{}')) {
      throw new Error(`checkpoint_config.filename_tmpl must contain '{}' (got '${this.tmpl}')`);
    }
  }

  private filename(runner: BaseRunner, n: number): string {
    const tmpl = this.tmpl ?? (this.byEpoch ? 'epoch_{}' : 'iter_{}') + runner.checkpointIO.ext;
    return tmpl.replace('{}', String(n));
  }

  override beforeRun(runner: BaseRunner): void {
    this.outDir = this.outDirArg ? path.join(this.outDirArg, path.basename(runner.workDir)) : runner.workDir;
    if (runner.isMaster) {
      fs.mkdirSync(this.outDir, { recursive: true });
      // out_dir may differ from the work dir, which the run cleaned at start
      if (path.resolve(this.outDir) !== path.resolve(runner.workDir)) {
        for (const f of removeStaleTempFiles(this.outDir)) this.logger.info(`removed the temp file of an interrupted checkpoint write: ${f}`);
      }
    }
    this.logger.info(`Checkpoints will be saved to ${this.outDir} by ${this.byEpoch ? 'epoch' : 'iter'}`);
  }

  override async afterTrainEpoch(runner: BaseRunner): Promise<void> {
    if (!this.byEpoch) return;
    if (this.everyNEpochs(runner, this.interval) || (this.saveLast && this.isLastEpoch(runner))) {
      this.logger.info(`Saving checkpoint at ${runner.epoch + 1} epochs`);
      await this.save(runner, runner.epoch + 1);
    }
  }

  override async afterTrainIter(runner: BaseRunner): Promise<void> {
    if (this.byEpoch) return;
    if (this.everyNIters(runner, this.interval) || (this.saveLast && this.isLastIter(runner))) {
      this.logger.info(`Saving checkpoint at ${runner.iter + 1} iterations`);
      await this.save(runner, runner.iter + 1);
    }
  }

  private async save(runner: BaseRunner, current: number): Promise<void> {
    const filename = this.filename(runner, current);
    const file = await runner.saveCheckpoint(this.outDir, {
      filename,
      saveOptimizer: this.saveOptimizer,
      meta: this.extraMeta,
    });
    runner.hookMsgs.last_ckpt = file;
    if (this.maxKeepCkpts > 0 && runner.isMaster) {
      // Delete the interval checkpoints older than the newest max_keep_ckpts (mmcv's walk back by interval).
      const step = this.interval > 0 ? this.interval : 1;
      for (let n = current - this.maxKeepCkpts * step; n > 0; n -= step) {
        const old = path.join(this.outDir, this.filename(runner, n));
        if (!fs.existsSync(old)) break;
        fs.rmSync(old, { recursive: true, force: true });
      }
    }
  }
}
