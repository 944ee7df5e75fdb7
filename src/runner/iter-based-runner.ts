/**
 * Iteration-based training (mmcv `IterBasedRunner`): loaders are wrapped in an
 * endless {@link IterLoader} that bumps the sampler epoch on wrap-around;
 * `workflow` counts iterations, and checkpoint / LR / logger hooks work by iter.
 */
import { RUNNERS } from '../registry/root';
import { IterBasedRunnerCfg } from './runner-args';
import { BaseRunner, type WorkflowItem } from './base-runner';
import { trainableParams } from './train-step';
import type { Batch } from '../contracts/data';
import type { DataLoaderLike } from './types';

/** An endless view of a loader; `epoch` counts completed passes. */
export class IterLoader {
  epoch = 0;
  private it?: AsyncIterator<Batch>;

  constructor(
    readonly loader: DataLoaderLike,
    private readonly setEpoch: (loader: DataLoaderLike, epoch: number) => void,
    private readonly open: (loader: DataLoaderLike) => AsyncIterator<Batch>,
  ) {}

  get length(): number {
    return this.loader.length;
  }

  /** Positions the loader at pass `epoch`, skipping `skip` batches (exact resume). */
  async seek(epoch: number, skip: number): Promise<void> {
    this.epoch = epoch;
    this.setEpoch(this.loader, epoch);
    this.it = this.open(this.loader);
    for (let i = 0; i < skip; i++) await this.next();
  }

  async next(): Promise<Batch> {
    if (!this.it) {
      this.setEpoch(this.loader, this.epoch);
      this.it = this.open(this.loader);
    }
    let r = await this.it.next();
    if (r.done) {
      this.epoch += 1;
      this.setEpoch(this.loader, this.epoch);
      this.it = this.open(this.loader);
      r = await this.it.next();
      if (r.done) throw new Error('IterLoader: the data loader yielded no batch');
    }
    return r.value;
  }
}

export class IterBasedRunner extends BaseRunner {
  /** Stop after this many iterations even if max_iters is larger (a "killed" run). */
  stopAfterIters?: number;

  protected progressMeta(): { epoch: number; iter: number } {
    // Saved in after_train_iter, before the increment (mmcv saves iter + 1).
    return { epoch: this.epoch, iter: this.iter + (this.inTrainIter ? 1 : 0) };
  }
  private inTrainIter = false;

  async train(loader: IterLoader): Promise<void> {
    this.model.train();
    this.mode = 'train';
    this.dataLoader = loader.loader;
    this.iterLength = loader.length;
    this.epoch = loader.epoch;
    const batch = await loader.next();
    this.innerIter = this.iter % Math.max(1, loader.length);
    await this.trainIter(this.innerIter, batch, this.params, (on) => (this.inTrainIter = on));
    this.iter += 1;
    // one pass over the loader is this runner's epoch: read what no logger read
    if (this.innerIter === loader.length - 1) this.logBuffer.settle();
  }
  private params = trainableParams(this.model);

  async val(loader: IterLoader): Promise<void> {
    this.model.eval();
    this.mode = 'val';
    this.dataLoader = loader.loader;
    await this.valIter(this.innerIter, await loader.next());
  }

  async run(dataLoaders: DataLoaderLike[], workflow: WorkflowItem[]): Promise<void> {
    if (dataLoaders.length !== workflow.length) {
      throw new Error(`runner: workflow has ${workflow.length} phases but ${dataLoaders.length} data loaders were given`);
    }
    if (this.maxIters === undefined) throw new Error('runner: IterBasedRunner needs max_iters');
    const open = (l: DataLoaderLike) => this.batches(l);
    const iterLoaders = dataLoaders.map((l) => new IterLoader(l, (x, e) => this.setLoaderEpoch(x, e), open));
    const trainIdx = workflow.findIndex(([m]) => m === 'train');
    if (trainIdx >= 0) {
      const tl = iterLoaders[trainIdx];
      this.iterLength = tl.length;
      // Exact resume: continue inside the pass where the checkpoint was written.
      await tl.seek(Math.floor(this.iter / tl.length), this.iter % tl.length);
      this.epoch = tl.epoch;
    }
    this.logger.info(`Start running, work_dir: ${this.workDir}`);
    this.logger.info(`Hooks will be executed in the following order:\n${this.getHookInfo()}`);
    this.logger.info(`workflow: ${JSON.stringify(workflow)}, max: ${this.maxIters} iters`);
    await this.callHook('beforeRun');
    await this.callHook('beforeTrainEpoch');
    const stopAt = Math.min(this.maxIters, this.stopAfterIters ?? Infinity);
    while (this.iter < stopAt) {
      for (let i = 0; i < workflow.length; i++) {
        const [mode, count] = workflow[i];
        for (let k = 0; k < count; k++) {
          if (mode === 'train' && this.iter >= stopAt) break;
          if (mode === 'train') await this.train(iterLoaders[i]);
          else if (mode === 'val') await this.val(iterLoaders[i]);
          else throw new Error(`runner: workflow mode must be 'train' or 'val', got '${mode}'`);
        }
      }
    }
    await this.callHook('afterTrainEpoch');
    await this.callHook('afterRun');
    this.logBuffer.settle();
  }
}

RUNNERS.register({ name: 'IterBasedRunner', schema: IterBasedRunnerCfg, description: 'iteration-based training loop (mmcv IterBasedRunner)' })(
  IterBasedRunner as never,
);
