/**
 * Loading a checkpoint into a built model for evaluation or inference.
 * Strict by default: weights that did not load would make every score a
 * score of a half-initialised model, so a missing or mis-shaped model
 * parameter is an error listing them. `strict: false` is mmcv's
 * `load_checkpoint(strict=False)`: load what matches and warn.
 */
import { CheckpointError } from '../../checkpoint/errors';
import { formatLoadReport } from '../../nn/module';
import { defaultCheckpointIO, resolveCheckpointPath } from '../checkpoint-io';
import type { Logger } from '../logger';
import type { LoadReport, Model } from '../../contracts/model';

export interface LoadWeightsOptions {
  /** Fail on missing or mis-shaped parameters (default true). Unexpected keys only warn. */
  strict?: boolean;
}

export interface LoadedWeights {
  file: string;
  meta: Record<string, unknown>;
  report: LoadReport;
}

/** The error of a strict load: the report's text, and how to load anyway. */
export class WeightsMismatchError extends CheckpointError {
  constructor(
    file: string,
    readonly report: LoadReport,
  ) {
    super(
      file,
      `the checkpoint does not fit the model (${report.missing.length} missing, ${report.shapeMismatch.length} mis-shaped parameters); ` +
        `is it for this config? (--no-strict loads what matches)\n${formatLoadReport(report)}`,
    );
    this.name = 'WeightsMismatchError';
  }
}

/** Resolves `checkpoint` (`latest` pointers too), reads it and loads it into `model`. */
export async function loadWeights(model: Model, checkpoint: string, logger: Logger, opts: LoadWeightsOptions = {}): Promise<LoadedWeights> {
  const file = resolveCheckpointPath(checkpoint);
  logger.info(`load checkpoint from local path: ${file}`);
  const ck = await defaultCheckpointIO().read(file);
  // Load non-strictly first to get the full report; a strict failure then lists everything.
  const report = model.loadStateDict(ck.stateDict, { strict: false });
  if ((opts.strict ?? true) && (report.missing.length || report.shapeMismatch.length)) throw new WeightsMismatchError(file, report);
  const text = formatLoadReport(report);
  if (text) logger.warn(`The model and loaded state dict do not match exactly (${file})\n${text}`);
  return { file, meta: ck.meta ?? {}, report };
}
