import { tf } from '../../tf';
import { Module, type TensorLayer } from '../module';
import { Conv2d } from './conv';
import { BatchNorm2d } from './norm';
import { PReLU } from './activation';

/** Arguments of {@link Sequential} (tfjs-layers' `SequentialArgs`). */
export interface SequentialArgs {
  /** The layers, applied in order and named '0', '1', ... */
  layers: TensorLayer[];
}

/**
 * torch.nn.Sequential: children named '0', '1', ... applied in order. In eval
 * mode without a gradient tape, `Conv2d [→ BatchNorm2d] [→ PReLU]` runs as
 * one fused conv (BN folded into the cached filter, see `Conv2d.forwardFused`).
 */
export class Sequential extends Module {
  readonly layers: TensorLayer[];
  constructor(args: SequentialArgs) {
    super();
    this.layers = [...args.layers];
    this.layers.forEach((l, i) => this.registerModule(String(i), l));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      let y = x;
      for (let i = 0; i < this.layers.length; i++) {
        const l = this.layers[i];
        if (l instanceof Conv2d && l.canFuse()) {
          let next = this.layers[i + 1];
          const bn = next instanceof BatchNorm2d && !next.training && next.numFeatures === l.outChannels ? next : undefined;
          if (bn) next = this.layers[i + 2];
          const prelu = next instanceof PReLU && next.numParameters === l.outChannels ? next : undefined;
          y = l.forwardFused(y, bn, prelu);
          i += (bn ? 1 : 0) + (prelu ? 1 : 0);
        } else if (l instanceof Conv2d && recomputableStem(l, this.layers[i + 1], this.layers[i + 2])) {
          // training: prelu(bn(conv(y))) keeping only y, the stem's small input, for the backward
          y = l.forwardThrough(y, this.layers[i + 1] as BatchNorm2d, this.layers[i + 2] as PReLU);
          i += 2;
        } else if (recomputable(l, this.layers[i + 1])) {
          // training: conv(bn(y)) or conv(prelu(y)) keeping only y for the backward (the conv input is recomputed)
          y = (this.layers[i + 1] as Conv2d).forwardAfter(y, l as BatchNorm2d | PReLU);
          i += 1;
        } else {
          y = l.forward(y);
        }
      }
      return y;
    });
  }
}

/** Arguments of {@link ModuleList}. */
export interface ModuleListArgs<M extends Module = Module> {
  /** The first children, named '0', '1', ... (more may be appended; default none). */
  modules?: M[];
}

/** A training-mode BatchNorm2d or a PReLU (exactly those classes: subclasses such as SyncBatchNorm differ) followed by a conv that can recompute its input. */
function recomputable(l: TensorLayer, next: TensorLayer | undefined): boolean {
  if (!(next instanceof Conv2d) || !next.canRecomputeInput()) return false;
  if (l.constructor === BatchNorm2d) return (l as BatchNorm2d).training && (l as BatchNorm2d).numFeatures === next.inChannels;
  return l.constructor === PReLU && ((l as PReLU).numParameters === next.inChannels || (l as PReLU).numParameters === 1);
}

/** A stem conv that may keep its input instead of its output, then exactly a training-mode BatchNorm2d and a PReLU over its outputs. */
function recomputableStem(conv: Conv2d, bn: TensorLayer | undefined, prelu: TensorLayer | undefined): boolean {
  if (!conv.canRecomputeOutput() || bn?.constructor !== BatchNorm2d || prelu?.constructor !== PReLU) return false;
  const p = prelu as PReLU;
  return (bn as BatchNorm2d).training && (bn as BatchNorm2d).numFeatures === conv.outChannels && (p.numParameters === conv.outChannels || p.numParameters === 1);
}

/** torch.nn.ModuleList: an indexed list of children named '0', '1', ... */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[] = [];
  constructor(args: ModuleListArgs<M> = {}) {
    super();
    for (const m of args.modules ?? []) this.append(m);
  }
  append(m: M): this {
    this.registerModule(String(this.items.length), m);
    this.items.push(m);
    return this;
  }
  get length(): number {
    return this.items.length;
  }
  at(i: number): M {
    const m = this.items[i];
    if (!m) throw new Error(`ModuleList: index ${i} out of range (length ${this.items.length})`);
    return m;
  }
  [Symbol.iterator](): Iterator<M> {
    return this.items[Symbol.iterator]();
  }
}
