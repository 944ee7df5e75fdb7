import type { Batch } from '../contracts/data';
import type { DataLoaderLike } from './types';

/** The batches of a loader that is either iterable or async iterable (our DataLoader, toy loaders in tests). */
export async function* iterateBatches(loader: DataLoaderLike, who = 'runner'): AsyncGenerator<Batch> {
  if (typeof loader[Symbol.asyncIterator] === 'function') {
    const it = loader[Symbol.asyncIterator]!();
    for (;;) {
      const r = await it.next();
      if (r.done) return;
      yield r.value;
    }
  } else if (typeof loader[Symbol.iterator] === 'function') {
    yield* loader[Symbol.iterator]!() as Iterator<Batch> & Iterable<Batch>;
  } else {
    throw new Error(`${who}: the data loader is neither iterable nor async iterable`);
  }
}
