import { tf } from '../../tf';
import { Module, type TensorLayer } from '../module';

/** torch.nn.Sequential: children named '0', '1', ... applied in order. */
export class Sequential extends Module {
  readonly layers: TensorLayer[];
  constructor(...layers: TensorLayer[]) {
    super();
    this.layers = layers;
    layers.forEach((l, i) => this.registerModule(String(i), l));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.layers.reduce((y, l) => l.forward(y), x));
  }
}

/** torch.nn.ModuleList: an indexed list of children named '0', '1', ... */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: M[] = [];
  constructor(items: M[] = []) {
    super();
    for (const m of items) this.append(m);
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
