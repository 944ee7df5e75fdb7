/**
 * Worker-thread side of the DataLoader: rebuilds the dataset from its config
 * node (after importing the listed modules so every component is registered),
 * then answers batch requests one at a time.
 */
import { parentPort, workerData } from 'worker_threads';
import { DATASETS } from '../registry/root';
import { importPlugin } from '../plugin-loader/loader';
import '../plugin-loader/scopes';
import type { ConfigNode } from '../registry/registry';
import { Rng } from '../utils/rng';
import type { DatasetLike } from './types';
import { loadBatch, transferList } from './load-batch';

interface Init {
  datasetCfg: ConfigNode;
  imports: string[];
}
export interface BatchRequest {
  id: number;
  indices: number[];
  epoch: number;
  seed: number;
}

function main() {
  const port = parentPort;
  if (!port) throw new Error('src/data/worker.ts must run in a worker thread');
  const init = workerData as Init;
  let dataset: DatasetLike;
  try {
    // through the plugin loader, as in the main thread: a plain require would let the plugin's
    // `fer-mm` resolve to another copy of the framework (a second set of registrations)
    for (const m of init.imports) importPlugin(m, { from: m });
    dataset = DATASETS.build<DatasetLike>(init.datasetCfg, { path: 'data.dataset' });
  } catch (e) {
    port.postMessage({ type: 'fatal', error: (e as Error).message, stack: (e as Error).stack });
    return;
  }
  port.postMessage({ type: 'ready', length: dataset.length });
  let chain: Promise<void> = Promise.resolve();
  port.on('message', (req: BatchRequest) => {
    chain = chain.then(async () => {
      try {
        const batch = await loadBatch(dataset, req.indices, (i) => Rng.derive(req.seed, req.epoch, i));
        port.postMessage({ type: 'batch', id: req.id, batch }, batch ? transferList(batch) : []);
      } catch (e) {
        port.postMessage({ type: 'error', id: req.id, error: (e as Error).message, stack: (e as Error).stack });
      }
    });
  });
}

main();
