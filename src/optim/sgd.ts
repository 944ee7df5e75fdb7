/**
 * SGD with momentum, dampening, Nesterov and coupled weight decay, exactly
 * torch.optim.SGD:
 *   g += wd * p
 *   buf = g (first step) | momentum * buf + (1 - dampening) * g
 *   g = nesterov ? g + momentum * buf : buf
 *   p -= lr * g
 */
import { Type, type Static } from '@sinclair/typebox';
import { tf } from '../tf';
import { OPTIMIZERS } from '../registry/root';
import { Optimizer, OptimizerError, type ParamState } from './optimizer';
import type { ParamGroup } from './types';

export const SGDArgs = Type.Object(
  {
    lr: Type.Number({ exclusiveMinimum: 0, description: 'learning rate (required, as torch)' }),
    momentum: Type.Number({ minimum: 0, default: 0, description: 'momentum factor' }),
    dampening: Type.Number({ default: 0, description: 'dampening of the momentum' }),
    weight_decay: Type.Number({ minimum: 0, default: 0, description: 'coupled L2 penalty: g += weight_decay * p' }),
    nesterov: Type.Boolean({ default: false, description: 'Nesterov momentum (needs momentum > 0 and dampening 0)' }),
  },
  { additionalProperties: false },
);
export type SGDArgs = Static<typeof SGDArgs>;

@OPTIMIZERS.register({ name: 'SGD', schema: SGDArgs, description: 'stochastic gradient descent (torch.optim.SGD semantics)' })
export class SGD extends Optimizer {
  readonly type = 'SGD';
  private readonly args: Required<SGDArgs>;

  constructor(args: Partial<SGDArgs> & { lr: number }) {
    super();
    if (typeof args?.lr !== 'number' || !(args.lr > 0)) throw new OptimizerError(`SGD: 'lr' must be a positive number (got ${args?.lr})`);
    this.args = { momentum: 0, dampening: 0, weight_decay: 0, nesterov: false, ...args };
    const a = this.args;
    if (a.momentum < 0) throw new OptimizerError(`SGD: invalid momentum ${a.momentum}`);
    if (a.weight_decay < 0) throw new OptimizerError(`SGD: invalid weight_decay ${a.weight_decay}`);
    if (a.nesterov && (a.momentum <= 0 || a.dampening !== 0)) {
      throw new OptimizerError('SGD: nesterov momentum requires a momentum and zero dampening');
    }
  }

  protected groupDefaults() {
    const a = this.args;
    return { lr: a.lr, weightDecay: a.weight_decay, momentum: a.momentum, dampening: a.dampening, nesterov: a.nesterov };
  }

  /** Sets each group's momentum (mmcv momentum updaters). */
  setMomentum(values: number[] | number): void {
    const vs = typeof values === 'number' ? this.paramGroups.map(() => values) : values;
    if (vs.length !== this.paramGroups.length) throw new OptimizerError(`SGD.setMomentum: got ${vs.length} values for ${this.paramGroups.length} groups`);
    vs.forEach((m, i) => (this.paramGroups[i].momentum = m));
  }

  protected updateParam(_name: string, p: tf.Variable, grad: tf.Tensor, group: ParamGroup, st: ParamState): void {
    const lr = group.lr;
    const wd = group.weightDecay;
    const momentum = group.momentum as number;
    const dampening = group.dampening as number;
    let g: tf.Tensor = grad;
    if (wd !== 0) g = g.add(p.mul(wd));
    if (momentum !== 0) {
      const existing = st.get('momentum_buffer') as tf.Variable | undefined;
      let buf: tf.Tensor;
      if (!existing) {
        const init = g;
        buf = this.stateVar(st, 'momentum_buffer', () => init.clone());
      } else {
        // g·1 is g: without dampening the multiply (a pass over the parameter) is skipped
        buf = existing.mul(momentum).add(dampening === 0 ? g : g.mul(1 - dampening));
        existing.assign(buf);
      }
      g = group.nesterov ? g.add(buf.mul(momentum)) : buf;
    }
    p.assign(p.sub(g.mul(lr)));
  }
}
