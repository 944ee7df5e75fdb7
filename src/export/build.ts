/** Builds the registered model of an export and loads its decoded weights (browser-safe). */
import { MODELS } from '../registry/root';
import { tf } from '../tf';
import type { Model } from '../contracts/model';
import type { ExportedModelJson } from './format';

/**
 * The model of `spec.model` (its plugin must be imported first, which
 * registers it) in eval mode with `weights` loaded strictly: a missing or
 * mis-shaped parameter is an error naming it. `weights` are disposed.
 */
export function buildExportedModel(spec: ExportedModelJson, weights: Map<string, tf.Tensor>, where: string): Model {
  let model: Model | undefined;
  try {
    model = MODELS.build<Model>(spec.model as never, { path: 'model' });
    const report = model.loadStateDict(weights, { strict: false });
    if (report.missing.length || report.shapeMismatch.length) {
      const mis = report.shapeMismatch.map((m) => JSON.stringify(m));
      throw new Error(`${where}: the weights do not fit the model: missing [${report.missing.join(', ')}], mis-shaped [${mis.join(', ')}]`);
    }
    model.eval();
    return model;
  } catch (e) {
    model?.dispose?.();
    throw e;
  } finally {
    tf.dispose([...weights.values()]);
  }
}
