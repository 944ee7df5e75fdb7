/**
 * A message queue fed by a socket's receive loop and drained by collectives
 * with a deadline. `fail()` rejects every waiter (an abort from the monitor).
 */
export class MessageQueue<T> {
  private items: T[] = [];
  private waiters: Array<{ resolve: (v: T) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout }> = [];
  private error: Error | null = null;

  push(item: T): void {
    const w = this.waiters.shift();
    if (w) {
      if (w.timer) clearTimeout(w.timer);
      w.resolve(item);
    } else {
      this.items.push(item);
    }
  }

  /** Next item; rejects with `onTimeout()` after `timeoutMs`. */
  next(timeoutMs: number, onTimeout: () => Error): Promise<T> {
    if (this.error) return Promise.reject(this.error);
    const item = this.items.shift();
    if (item !== undefined) return Promise.resolve(item);
    return new Promise<T>((resolve, reject) => {
      const w: { resolve: (v: T) => void; reject: (e: Error) => void; timer?: NodeJS.Timeout } = { resolve, reject };
      w.timer = setTimeout(() => {
        const i = this.waiters.indexOf(w);
        if (i >= 0) this.waiters.splice(i, 1);
        reject(onTimeout());
      }, timeoutMs);
      this.waiters.push(w);
    });
  }

  fail(err: Error): void {
    if (!this.error) this.error = err;
    for (const w of this.waiters.splice(0)) {
      if (w.timer) clearTimeout(w.timer);
      w.reject(err);
    }
  }

  get failed(): Error | null {
    return this.error;
  }
}
