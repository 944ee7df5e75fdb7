/**
 * Inference fast path switches and the cache of tensors derived from
 * variables (HWIO conv filters, BatchNorm-folded weights, transposed Linear
 * weights).
 *
 * The fast path runs only in eval mode and only while no gradient tape is
 * recording, so training (and eval-mode gradients such as a frozen-BN
 * fine-tune) always sees the variables themselves. A derived tensor is keyed
 * on the data ids of its sources: `Variable.assign` (optimizer steps,
 * `loadStateDict`) gives a variable a new data id, so a changed source always
 * rebuilds the derived tensor and stale weights are never served.
 */
import { tf } from '../tf';

let enabled = process.env.FER_MM_FAST_INFERENCE !== '0';

/** Turns the eval-mode fast path on or off (default on; env `FER_MM_FAST_INFERENCE=0` turns it off). */
export function setFastInference(on: boolean): void {
  enabled = on;
}

export function fastInferenceEnabled(): boolean {
  return enabled;
}

/** True when a module in eval mode may use cached/folded weights: enabled and no gradient is being recorded. */
export function useFastPath(training: boolean): boolean {
  if (training || !enabled) return false;
  const state = (tf.engine() as unknown as { state: { gradientDepth: number } }).state;
  return state.gradientDepth === 0;
}

type DataId = object;
const dataIdOf = (t: tf.Tensor): DataId => (t as unknown as { dataId: DataId }).dataId;

/** One derived tensor (or tuple of tensors) built from `sources`, rebuilt when any source's data changes. */
class Entry {
  ids: DataId[] = [];
  value: tf.Tensor[] = [];
}

/**
 * Named derived tensors of one module. `get(name, sources, build)` returns the
 * cached tensors when every source still holds the data it held at build
 * time, else disposes them and builds afresh (outside any tidy scope).
 */
export class DerivedCache {
  private readonly entries = new Map<string, Entry>();

  get<T extends tf.Tensor[]>(name: string, sources: Array<tf.Tensor | undefined>, build: () => T): T {
    const present = sources.filter((s): s is tf.Tensor => s !== undefined);
    const ids = present.map(dataIdOf);
    const e = this.entries.get(name);
    if (e && e.ids.length === ids.length && e.ids.every((id, i) => id === ids[i]) && e.value.every((t) => !t.isDisposed)) {
      return e.value as T;
    }
    if (e) tf.dispose(e.value);
    const value = tf.tidy(build);
    for (const t of value) tf.keep(t);
    this.entries.set(name, { ids, value });
    return value;
  }

  /** Number of tensors held (for tests). */
  get size(): number {
    let n = 0;
    for (const e of this.entries.values()) n += e.value.length;
    return n;
  }

  /** Disposes every cached tensor. */
  clear(): void {
    for (const e of this.entries.values()) tf.dispose(e.value);
    this.entries.clear();
  }
}
