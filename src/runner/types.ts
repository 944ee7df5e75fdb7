/**
 * What the runner needs from its collaborators besides the model (`Model`,
 * src/contracts/model.ts), stated structurally so the runner depends on
 * behaviour, not on concrete classes.
 */
import type { tf } from '../tf';
import type { Batch, EvalDataset } from '../contracts/data';

/** A data loader: iterable (sync or async) over batches, one pass per epoch. */
export interface DataLoaderLike {
  /** Batches per epoch. */
  readonly length: number;
  readonly dataset?: EvalDataset;
  /** A sampler with an epoch (shuffle seed = seed + epoch). */
  readonly sampler?: { setEpoch?(epoch: number): void; set_epoch?(epoch: number): void };
  setEpoch?(epoch: number): void;
  [Symbol.asyncIterator]?(): AsyncIterator<Batch>;
  [Symbol.iterator]?(): Iterator<Batch>;
  close?(): Promise<void> | void;
}

/** The optimizer contract of `src/optim`. */
export interface OptimizerLike {
  paramGroups: Array<{ names: string[]; lr: number; initialLr: number; weightDecay: number; [k: string]: unknown }>;
  step(grads: Record<string, tf.Tensor>): void;
  stateDict(): unknown;
  loadStateDict(s: unknown): void;
  dispose(): void;
}
