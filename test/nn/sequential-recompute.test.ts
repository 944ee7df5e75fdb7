/**
 * In training, `Sequential` runs IR-50's stem (conv on the image → BatchNorm
 * → PReLU) as one op that keeps only the image for the backward. It must
 * compute what the layers applied one by one compute: values, the gradients
 * of the input and of every parameter, and the BatchNorm running statistics.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { Sequential } from '../../src/nn/layers/container';
import { Conv2d } from '../../src/nn/layers/conv';
import { BatchNorm2d } from '../../src/nn/layers/norm';
import { PReLU } from '../../src/nn/layers/activation';
import { randn, relErr, t } from '../backend/helpers';
import { presentBackends } from '../harness/backends';

const stem = (bias = false) => new Sequential({
  layers: [new Conv2d({ inChannels: 3, outChannels: 12, kernelSize: 3, padding: 1, bias }), new BatchNorm2d({ numFeatures: 12 }), new PReLU({ numParameters: 12 })],
});

describe.each(presentBackends())('on %s', (backend) => {
  beforeAll(async () => {
    await initBackend(backend);
  });

  test('the stem kept as its input equals the layers one by one (values, gradients, running statistics)', () => {
    const run = (fused: boolean) => {
      const seq = stem();
      seq.train();
      const params = seq.parameters();
      for (const [i, p] of params.entries()) p.assign(t(randn(p.shape, 60 + i, 0.5)));
      const spy = jest.spyOn(seq.layers[0] as Conv2d, 'forwardThrough');
      const x = t(randn([2, 7, 6, 3], 1));
      const r = t(randn([2, 7, 6, 12], 2));
      const f = (xi: tf.Tensor) => (fused ? seq.forward(xi) : seq.layers.reduce((y, l) => l.forward(y), xi));
      const out = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => tf.sum(tf.mul(f(x), r)) as tf.Scalar, params);
        const dx = tf.grad((xi: tf.Tensor) => tf.sum(tf.mul(f(xi), r)))(x);
        return [value, dx, ...params.map((p) => grads[p.name])].map((v) => Float32Array.from(v.dataSync()));
      });
      const bn = seq.layers[1] as BatchNorm2d;
      out.push(Float32Array.from(bn.runningMean.dataSync()), Float32Array.from(bn.runningVar.dataSync()));
      expect(spy).toHaveBeenCalledTimes(fused ? 2 : 0);
      tf.dispose([x, r]);
      seq.dispose();
      return out;
    };
    const fused = run(true);
    const plain = run(false);
    expect(fused).toHaveLength(plain.length);
    fused.forEach((v, i) => expect(relErr(v, plain[i])).toBeLessThan(1e-5));
  });

  test('a conv with a bias, or in eval mode, keeps the separate layers', () => {
    const seq = stem(true);
    seq.train();
    const spy = jest.spyOn(seq.layers[0] as Conv2d, 'forwardThrough');
    tf.tidy(() => seq.forward(tf.ones([2, 4, 4, 3])));
    const plain = stem();
    plain.eval();
    const spy2 = jest.spyOn(plain.layers[0] as Conv2d, 'forwardThrough');
    tf.tidy(() => plain.forward(tf.ones([2, 4, 4, 3])));
    expect(spy).not.toHaveBeenCalled();
    expect(spy2).not.toHaveBeenCalled();
    seq.dispose();
    plain.dispose();
  });
});
