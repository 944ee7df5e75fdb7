/**
 * Finite differences against autograd through LANet's max/mask path: the
 * BN bias of a LANet moves its attention map, which reaches the loss only
 * through MAD (training), the max fusion over maps and the mask on the
 * features. Training mode with MAD and MSAD active, their draws replayed
 * for every evaluation so the function being differentiated is fixed.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { MODELS } from '../../src/registry/root';
import '@fer-mm/transfer';
import type { TransFER } from '@fer-mm/transfer';
import { Rng } from '../../src/utils/rng';
import { tinyTransferConfig } from './tiny';

beforeAll(async () => {
  await initBackend('cpu');
});

const randn = (shape: number[], seed: number, std = 1) => {
  const r = new Rng(seed);
  return tf.tensor(Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => std * r.normal()), shape);
};

describe('TransFER LANet gradients (finite differences)', () => {
  it.each(['attention.las.0.bn2.bias', 'attention.las.1.bn2.bias'])('%s: autograd matches central differences in training mode', (name) => {
    const m = MODELS.build<TransFER>(tinyTransferConfig({ drop_rate: 0.6, head_drop_rate: 0.3, loss_weight: 0 }), { path: 'model' });
    m.train();
    // the head is zero-initialised (as the official one), which would cut every upstream gradient
    m.head.fc.weight.assign(randn(m.head.fc.weight.shape, 3, 0.5) as tf.Tensor2D);
    const x = randn([8, 32, 32, 3], 5) as tf.Tensor4D;
    const y = tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 0], 'int32');
    const param = m.namedParameters().find(([n]) => n === name)![1];
    const mad = m.convert.rng.getState();
    const msad = m.vit.rng.getState();
    const loss = () => {
      m.convert.rng.setState(mad);
      m.vit.rng.setState(msad);
      return m.forwardTrain(x, y).ce_loss;
    };
    const { value, grads } = tf.variableGrads(loss, [param]);
    const auto = grads[param.name].dataSync()[0];
    tf.dispose([value, ...Object.values(grads)]);
    // the replayed drops are real: some samples lost a map, some kept both
    const dropped = m.convert.lastDropped;
    expect(dropped.some((d) => d.length > 0)).toBe(true);
    expect(dropped.some((d) => d.length === 0)).toBe(true);

    const b0 = param.dataSync()[0];
    const at = (b: number) => {
      param.assign(tf.tensor1d([b]));
      return tf.tidy(() => loss().dataSync()[0]);
    };
    // float32 loss (~2) carries ~1e-7 rounding; eps = 1e-2 keeps that below 1e-5 of the slope while
    // the map moves by < 3e-3, too little to flip the max at more than a few positions
    const eps = 1e-2;
    const fd = (at(b0 + eps) - at(b0 - eps)) / (2 * eps);
    param.assign(tf.tensor1d([b0]));
    expect(Math.abs(auto)).toBeGreaterThan(1e-4);
    // measured agreement: ~0.1 % (float32 rounding and the few max positions the step crosses)
    expect(Math.abs(fd - auto)).toBeLessThan(0.005 * Math.abs(auto) + 2e-6);
    tf.dispose([x, y]);
    m.dispose();
  });
});
