/**
 * Adam (coupled L2 weight decay, optional AMSGrad) and AdamW (decoupled
 * weight decay), exactly torch.optim.Adam / AdamW (single-tensor path):
 *   t += 1
 *   Adam:  g += wd * p            AdamW: p *= 1 - lr * wd
 *   m = b1 * m + (1 - b1) * g;  v = b2 * v + (1 - b2) * g^2
 *   vmax = max(vmax, v) (amsgrad)
 *   denom = sqrt(v or vmax) / sqrt(1 - b2^t) + eps
 *   p -= lr / (1 - b1^t) * m / denom
 */
import { Type, type Static } from '@sinclair/typebox';
import { tf } from '../tf';
import { OPTIMIZERS } from '../registry/root';
import { Optimizer, OptimizerError, type ParamState } from './optimizer';
import type { ParamGroup } from './types';

function adamSchema(defaultWd: number, decayDoc: string) {
  return Type.Object(
    {
      lr: Type.Number({ exclusiveMinimum: 0, default: 1e-3, description: 'learning rate' }),
      betas: Type.Tuple([Type.Number({ minimum: 0, exclusiveMaximum: 1 }), Type.Number({ minimum: 0, exclusiveMaximum: 1 })], {
        default: [0.9, 0.999],
        description: 'coefficients of the running averages of the gradient and its square',
      }),
      eps: Type.Number({ minimum: 0, default: 1e-8, description: 'added to the denominator' }),
      weight_decay: Type.Number({ minimum: 0, default: defaultWd, description: decayDoc }),
      amsgrad: Type.Boolean({ default: false, description: 'use the maximum of past squared-gradient averages (AMSGrad)' }),
    },
    { additionalProperties: false },
  );
}

export const AdamArgs = adamSchema(0, 'coupled L2 penalty: g += weight_decay * p');
export type AdamArgs = Static<typeof AdamArgs>;
export const AdamWArgs = adamSchema(1e-2, 'decoupled decay: p *= 1 - lr * weight_decay (torch default 0.01)');
export type AdamWArgs = Static<typeof AdamWArgs>;

abstract class AdamBase extends Optimizer {
  protected readonly args: Required<AdamArgs>;
  protected abstract readonly decoupled: boolean;

  constructor(args: Partial<AdamArgs> | undefined, name: string, defaultWd: number) {
    super();
    this.args = { lr: 1e-3, betas: [0.9, 0.999], eps: 1e-8, weight_decay: defaultWd, amsgrad: false, ...(args ?? {}) };
    const a = this.args;
    if (!(a.lr > 0)) throw new OptimizerError(`${name}: invalid lr ${a.lr}`);
    if (!(a.eps >= 0)) throw new OptimizerError(`${name}: invalid eps ${a.eps}`);
    if (!Array.isArray(a.betas) || a.betas.length !== 2 || a.betas.some((b) => !(b >= 0 && b < 1))) {
      throw new OptimizerError(`${name}: betas must be two numbers in [0, 1) (got ${JSON.stringify(a.betas)})`);
    }
    if (!(a.weight_decay >= 0)) throw new OptimizerError(`${name}: invalid weight_decay ${a.weight_decay}`);
  }

  protected groupDefaults() {
    const a = this.args;
    return { lr: a.lr, weightDecay: a.weight_decay, betas: [...a.betas] as [number, number], eps: a.eps, amsgrad: a.amsgrad };
  }

  /** Sets each group's beta1 (mmcv momentum updaters change betas[0] for Adam). */
  setMomentum(values: number[] | number): void {
    const vs = typeof values === 'number' ? this.paramGroups.map(() => values) : values;
    if (vs.length !== this.paramGroups.length) throw new OptimizerError(`${this.type}.setMomentum: got ${vs.length} values for ${this.paramGroups.length} groups`);
    vs.forEach((m, i) => {
      const b = this.paramGroups[i].betas as [number, number];
      this.paramGroups[i].betas = [m, b[1]];
    });
  }

  protected updateParam(_name: string, p: tf.Variable, grad: tf.Tensor, group: ParamGroup, st: ParamState): void {
    const lr = group.lr;
    const wd = group.weightDecay;
    const [b1, b2] = group.betas as [number, number];
    const eps = group.eps as number;
    const step = ((st.get('step') as number | undefined) ?? 0) + 1;
    st.set('step', step);
    let g: tf.Tensor = grad;
    let param: tf.Tensor = p;
    if (wd !== 0) {
      if (this.decoupled) param = p.mul(1 - lr * wd);
      else g = g.add(p.mul(wd));
    }
    const m = this.stateVar(st, 'exp_avg', () => tf.zerosLike(p));
    const v = this.stateVar(st, 'exp_avg_sq', () => tf.zerosLike(p));
    const mNew = m.mul(b1).add(g.mul(1 - b1));
    const vNew = v.mul(b2).add(g.square().mul(1 - b2));
    m.assign(mNew);
    v.assign(vNew);
    let second: tf.Tensor = vNew;
    if (group.amsgrad) {
      const vmax = this.stateVar(st, 'max_exp_avg_sq', () => tf.zerosLike(p));
      const vmaxNew = tf.maximum(vmax, vNew);
      vmax.assign(vmaxNew);
      second = vmaxNew;
    }
    const bc1 = 1 - Math.pow(b1, step);
    const bc2Sqrt = Math.sqrt(1 - Math.pow(b2, step));
    const denom = second.sqrt().div(bc2Sqrt).add(eps);
    p.assign(param.sub(mNew.div(denom).mul(lr / bc1)));
  }
}

@OPTIMIZERS.register({ name: 'Adam', schema: AdamArgs, description: 'Adam with coupled L2 weight decay (torch.optim.Adam)' })
export class Adam extends AdamBase {
  readonly type = 'Adam';
  protected readonly decoupled = false;
  constructor(args?: Partial<AdamArgs>) {
    super(args, 'Adam', 0);
  }
}

@OPTIMIZERS.register({ name: 'AdamW', schema: AdamWArgs, description: 'Adam with decoupled weight decay (torch.optim.AdamW)' })
export class AdamW extends AdamBase {
  readonly type = 'AdamW';
  protected readonly decoupled = true;
  constructor(args?: Partial<AdamWArgs>) {
    super(args, 'AdamW', 1e-2);
  }
}
