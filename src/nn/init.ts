/**
 * Weight initialisers with PyTorch's formulas, drawing from a seeded `Rng` so a
 * model built twice with the same seed has the same weights. Layers draw from
 * the process-wide init stream (`initRng()`), which the runner reseeds with
 * `setInitSeed(cfg.seed)` before building the model.
 */
import { tf } from '../tf';
import { Rng } from '../utils/rng';
import { float32FromHost } from './host-tensor';

let globalInitRng = new Rng(0);

/** Reseeds the stream every layer constructor draws its default init from. */
export function setInitSeed(seed: number): void {
  globalInitRng = new Rng([seed, 0x1417]);
}

/** The stream default initialisers draw from. */
export function initRng(): Rng {
  return globalInitRng;
}

/** torch `_calculate_fan_in_and_fan_out`: dims 0/1 are out/in, the rest is the receptive field. */
export function fanInOut(shape: number[]): { fanIn: number; fanOut: number } {
  if (shape.length < 2) throw new Error(`fan in/out needs at least 2 dims, got [${shape}]`);
  const rf = shape.slice(2).reduce((a, b) => a * b, 1);
  return { fanIn: shape[1] * rf, fanOut: shape[0] * rf };
}

export function uniform(shape: number[], lo: number, hi: number, rng: Rng = initRng()): tf.Tensor {
  return float32FromHost(shape, (out) => {
    for (let i = 0; i < out.length; i++) out[i] = rng.uniform(lo, hi);
  });
}

/** torch `xavier_uniform_`: U(±gain·sqrt(6/(fan_in+fan_out))). */
export function xavierUniform(shape: number[], rng: Rng = initRng(), gain = 1): tf.Tensor {
  const { fanIn, fanOut } = fanInOut(shape);
  const b = gain * Math.sqrt(6 / (fanIn + fanOut));
  return uniform(shape, -b, b, rng);
}

/** torch `kaiming_uniform_` (fan_in, leaky_relu gain); a=√5 is the Conv/Linear default: U(±1/sqrt(fan_in)). */
export function kaimingUniform(shape: number[], rng: Rng = initRng(), a = Math.sqrt(5)): tf.Tensor {
  const { fanIn } = fanInOut(shape);
  const gain = Math.sqrt(2 / (1 + a * a));
  const b = Math.sqrt(3) * (gain / Math.sqrt(fanIn));
  return uniform(shape, -b, b, rng);
}

/** The torch Conv/Linear default bias: U(±1/sqrt(fan_in)) with fan_in from the weight shape. */
export function defaultBias(weightShape: number[], n: number, rng: Rng = initRng()): tf.Tensor {
  const { fanIn } = fanInOut(weightShape);
  const b = fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0;
  return uniform([n], -b, b, rng);
}

/** timm `trunc_normal_`: N(mean, std) redrawn until inside [a, b] (absolute bounds, default ±2). */
export function truncNormal(shape: number[], std = 1, rng: Rng = initRng(), mean = 0, a = -2, b = 2): tf.Tensor {
  if (!(a < b)) throw new Error(`truncNormal: empty interval [${a}, ${b}]`);
  return float32FromHost(shape, (out) => {
    for (let i = 0; i < out.length; i++) {
      let v: number;
      let tries = 0;
      do {
        v = mean + std * rng.normal();
        if (++tries > 1000) throw new Error(`truncNormal: interval [${a}, ${b}] too far from N(${mean}, ${std})`);
      } while (v < a || v > b);
      out[i] = v;
    }
  });
}

export function constant(shape: number[], value: number): tf.Tensor {
  return tf.fill(shape, value, 'float32');
}

/** Replaces a variable's value (init after construction, e.g. zero-initialised heads). */
export function assignInit(v: tf.Variable, t: tf.Tensor): void {
  if (t.shape.join(',') !== v.shape.join(',')) throw new Error(`init shape [${t.shape}] does not match variable [${v.shape}]`);
  v.assign(t);
  t.dispose();
}
