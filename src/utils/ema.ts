/**
 * Exponential moving average of named parameters with mmcv 1.x `EMAHook`
 * semantics:
 *   momentum_eff = momentum ** interval                 (at construction)
 *   every iteration `curIter` (0-based runner.iter, in after_train_iter):
 *     m = min(momentum_eff, (1 + curIter) / (warm_up + curIter))
 *     if curIter % interval == 0: ema = (1 - m) * ema + m * param
 *   swap(): exchange parameter values with the EMA copies (mmcv swaps after
 *   each train epoch, for eval, and back before the next one).
 * The EMA starts as a copy of the parameters. mmcv keeps the copies as model
 * buffers named `ema_<name with '.' -> '_'>`; `stateDict()` uses those names.
 */
import { tf } from '../tf';

export interface EMAArgs {
  /** Weight of the new value (mmcv default 0.0002); 0 < momentum < 1. */
  momentum?: number;
  /** Update every `interval` iterations (default 1). */
  interval?: number;
  /** Warm-up length of the momentum (default 100). */
  warm_up?: number;
}

/** mmcv's buffer name for the EMA copy of `name`. */
export function emaBufferName(name: string): string {
  return `ema_${name.split('.').join('_')}`;
}

export class ExponentialMovingAverage {
  readonly momentum: number;
  readonly interval: number;
  readonly warmUp: number;
  private readonly params: Map<string, tf.Variable>;
  private readonly shadow = new Map<string, tf.Variable>();
  /** True while the model holds the EMA values (between two swaps). */
  swapped = false;

  constructor(namedParams: Array<[string, tf.Variable]>, args: EMAArgs = {}) {
    const momentum = args.momentum ?? 0.0002;
    const interval = args.interval ?? 1;
    if (!(momentum > 0 && momentum < 1)) throw new Error(`EMA: momentum must be in (0, 1) (got ${momentum})`);
    if (!(Number.isInteger(interval) && interval > 0)) throw new Error(`EMA: interval must be a positive integer (got ${interval})`);
    this.momentum = Math.pow(momentum, interval);
    this.interval = interval;
    this.warmUp = args.warm_up ?? 100;
    this.params = new Map(namedParams);
    for (const [name, p] of namedParams) {
      if (this.shadow.has(name)) throw new Error(`EMA: duplicate parameter name '${name}'`);
      const init = p.clone();
      this.shadow.set(name, tf.variable(init, false));
      init.dispose();
    }
  }

  /** Momentum used at iteration `curIter` (the warm-up rule). */
  momentumAt(curIter: number): number {
    return Math.min(this.momentum, (1 + curIter) / (this.warmUp + curIter));
  }

  /** mmcv `after_train_iter`; returns whether the EMA was updated. */
  update(curIter: number): boolean {
    if (curIter % this.interval !== 0) return false;
    const m = this.momentumAt(curIter);
    for (const [name, p] of this.params) {
      const s = this.shadow.get(name)!;
      tf.tidy(() => s.assign(s.mul(1 - m).add(p.mul(m))));
    }
    return true;
  }

  /** Exchanges parameter values and EMA values (call again to undo). */
  swap(): void {
    for (const [name, p] of this.params) {
      const s = this.shadow.get(name)!;
      tf.tidy(() => {
        const tmp = p.clone();
        p.assign(s);
        s.assign(tmp);
      });
    }
    this.swapped = !this.swapped;
  }

  /** Current EMA values keyed by mmcv buffer name (`ema_backbone_conv1_weight`), copied. */
  stateDict(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const [name, s] of this.shadow) out[emaBufferName(name)] = new Float32Array(s.dataSync() as Float32Array);
    return out;
  }

  /** Restores EMA values saved by `stateDict()` (all names required). */
  loadStateDict(sd: Record<string, Float32Array | ArrayLike<number>>): void {
    for (const [name, s] of this.shadow) {
      const key = emaBufferName(name);
      const v = sd[key];
      if (!v) throw new Error(`EMA.loadStateDict: missing '${key}'`);
      if (v.length !== s.size) throw new Error(`EMA.loadStateDict: '${key}' has ${v.length} values, expected ${s.size} [${s.shape}]`);
    }
    for (const [name, s] of this.shadow) {
      const t = tf.tensor(Float32Array.from(sd[emaBufferName(name)]), s.shape, 'float32');
      s.assign(t);
      t.dispose();
    }
  }

  dispose(): void {
    for (const s of this.shadow.values()) s.dispose();
    this.shadow.clear();
  }
}
