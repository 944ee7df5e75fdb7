/**
 * Inference on image files with a config's test pipeline (mmcls
 * `inference_model`): the model is built without its `pretrained` files and
 * the checkpoint is loaded; classes come from the checkpoint meta, else the
 * FER order.
 */
import * as path from 'node:path';
import { collate } from '../../data/collate';
import { FER_CLASSES } from '../../data/datasets/base';
import type { Results, Transform } from '../../data/types';
import { TRANSFORMS } from '../../registry/root';
import { Rng } from '../../utils/rng';
import type { Logger } from '../logger';
import { collectScores } from '../inference';
import type { DataBatch, DataLoaderLike } from '../types';
import { initModel, predictions } from './test';
import type { LoadWeightsOptions } from './load-weights';

type Dict = Record<string, unknown>;

export interface InferResult {
  file: string;
  pred_label: number;
  pred_class: string;
  pred_score: number;
  class_scores: number[];
}

/** The test pipeline of a config (`data.test.pipeline`, looking through dataset wrappers). */
export function testPipeline(cfg: Dict): unknown[] {
  let node = (cfg.data as Dict | undefined)?.test as Dict | undefined;
  while (node && !Array.isArray(node.pipeline) && (node.dataset || node.datasets)) {
    node = (node.dataset ?? (node.datasets as Dict[])[0]) as Dict;
  }
  if (!node || !Array.isArray(node.pipeline)) throw new Error('config: data.test.pipeline is missing (infer uses the test pipeline)');
  return node.pipeline;
}

export async function inferImages(
  cfg: Dict,
  checkpoint: string,
  files: string[],
  logger: Logger,
  batchSize = 16,
  load: LoadWeightsOptions = {},
): Promise<InferResult[]> {
  if (!files.length) throw new Error('infer: give at least one image');
  const { model, meta } = await initModel(cfg, checkpoint, logger, load);
  const pipeline = TRANSFORMS.build<Transform>({ type: 'Compose', transforms: testPipeline(cfg) }, { path: 'data.test.pipeline' });
  const batches: DataBatch[] = [];
  for (let s = 0; s < files.length; s += batchSize) {
    const idx = files.slice(s, s + batchSize).map((_, k) => s + k);
    const samples: Results[] = [];
    for (const i of idx) {
      const r = await pipeline.transform({ img_info: { filename: path.resolve(files[i]) }, img_prefix: null, index: i }, new Rng([0, i]));
      if (!r) throw new Error(`infer: the test pipeline dropped ${files[i]}`);
      samples.push(r);
    }
    batches.push(collate(samples, idx) as unknown as DataBatch);
  }
  const loader: DataLoaderLike = { length: batches.length, [Symbol.iterator]: () => batches[Symbol.iterator]() };
  const pairs = await collectScores(model, loader, { progress: false });
  const scores = pairs.sort((a, b) => a[0] - b[0]).map(([, s]) => s);
  const classes = Array.isArray(meta.CLASSES) ? (meta.CLASSES as string[]) : FER_CLASSES;
  if (scores[0] && scores[0].length !== classes.length) {
    logger.warn(`infer: the model has ${scores[0].length} classes but ${classes.length} class names are known; names may not match`);
  }
  const p = predictions(scores, classes);
  return files.map((file, i) => ({
    file,
    pred_label: p.predLabel[i],
    pred_class: p.predClass[i],
    pred_score: p.predScore[i],
    class_scores: Array.from(scores[i]),
  }));
}
