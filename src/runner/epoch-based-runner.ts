/**
 * Epoch-based training (mmcv `EpochBasedRunner`): each train phase is one pass
 * over the loader; `workflow` alternates phases, e.g. `[['train', 2], ['val', 1]]`.
 */
import { RUNNERS } from '../registry/root';
import { EpochBasedRunnerCfg } from './runner-args';
import { BaseRunner, type WorkflowItem } from './base-runner';
import { trainableParams } from './train-step';
import type { DataLoaderLike } from './types';

export class EpochBasedRunner extends BaseRunner {
  /** Stop after this many epochs even if max_epochs is larger (a "killed" run, for tests and tools). */
  stopAfterEpochs?: number;

  protected progressMeta(): { epoch: number; iter: number } {
    // Saved after an epoch completes: `epoch` already counts it (mmcv saves epoch + 1 before the increment).
    return { epoch: this.epoch + (this.mode === 'train' && this.inTrainEpoch ? 1 : 0), iter: this.iter };
  }
  private inTrainEpoch = false;

  async train(loader: DataLoaderLike): Promise<void> {
    this.model.train();
    this.mode = 'train';
    this.dataLoader = loader;
    this.iterLength = loader.length;
    this.maxIters = (this.maxEpochs ?? 0) * loader.length;
    this.inTrainEpoch = true;
    await this.callHook('beforeTrainEpoch');
    const params = trainableParams(this.model);
    let i = 0;
    for await (const batch of this.batches(loader)) {
      this.innerIter = i;
      await this.trainIter(i, batch, params);
      this.iter += 1;
      i += 1;
    }
    this.logBuffer.settle();
    await this.callHook('afterTrainEpoch');
    this.inTrainEpoch = false;
    this.epoch += 1;
  }

  async val(loader: DataLoaderLike): Promise<void> {
    this.model.eval();
    this.mode = 'val';
    this.dataLoader = loader;
    this.iterLength = loader.length;
    await this.callHook('beforeValEpoch');
    let i = 0;
    for await (const batch of this.batches(loader)) {
      this.innerIter = i;
      await this.valIter(i, batch);
      i += 1;
    }
    await this.callHook('afterValEpoch');
  }

  async run(dataLoaders: DataLoaderLike[], workflow: WorkflowItem[]): Promise<void> {
    if (dataLoaders.length !== workflow.length) {
      throw new Error(`runner: workflow has ${workflow.length} phases but ${dataLoaders.length} data loaders were given`);
    }
    if (this.maxEpochs === undefined) throw new Error('runner: EpochBasedRunner needs max_epochs');
    for (let i = 0; i < workflow.length; i++) {
      const [mode] = workflow[i];
      if (mode !== 'train' && mode !== 'val') throw new Error(`runner: workflow mode must be 'train' or 'val', got '${mode}'`);
      if (mode === 'train') this.maxIters = this.maxEpochs * dataLoaders[i].length;
    }
    this.logger.info(`Start running, work_dir: ${this.workDir}`);
    this.logger.info(`Hooks will be executed in the following order:\n${this.getHookInfo()}`);
    this.logger.info(`workflow: ${JSON.stringify(workflow)}, max: ${this.maxEpochs} epochs`);
    await this.callHook('beforeRun');
    const stopAt = Math.min(this.maxEpochs, this.stopAfterEpochs ?? Infinity);
    while (this.epoch < stopAt) {
      for (let i = 0; i < workflow.length; i++) {
        const [mode, count] = workflow[i];
        for (let k = 0; k < count; k++) {
          if (mode === 'train' && this.epoch >= stopAt) break;
          if (mode === 'train') await this.train(dataLoaders[i]);
          else await this.val(dataLoaders[i]);
        }
      }
    }
    await this.callHook('afterRun');
    this.logBuffer.settle();
  }
}

RUNNERS.register({ name: 'EpochBasedRunner', schema: EpochBasedRunnerCfg, description: 'epoch-based training loop (mmcv EpochBasedRunner)' })(
  EpochBasedRunner as never,
);
