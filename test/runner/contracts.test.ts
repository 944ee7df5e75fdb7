/**
 * The single contracts: the model steps on BaseClassifier (the runner calls
 * trainStep/testStep, the defaults run the data preprocessor then
 * forwardTrain/simpleTest), one tensor-data conversion with an explicit bool
 * option, and one logger class with one rank rule.
 */
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { BaseClassifier } from '../../src/models/base-classifier';
import { ClsDataPreprocessor } from '../../src/data/data-preprocessor';
import { trainStep } from '../../src/runner/train-step';
import { tensorDataToTf } from '../../src/nn/tensor-data';
import { makeTensorData, toTfTensor } from '../../src/checkpoint/tensor-data';
import { Logger } from '../../src/runner/logger';
import type { Batch } from '../../src/contracts/data';
import type { LossDict } from '../../src/contracts/model';
import { defineConfig } from '../../src/config';

class TinyClassifier extends BaseClassifier {
  readonly w: tf.Variable;
  lastInputs: number[] = [];
  trainSteps = 0;
  constructor(dataPreprocessor: ClsDataPreprocessor | null = null) {
    super(dataPreprocessor);
    this.w = this.registerParameter('w', tf.ones([2, 2]));
  }
  private logits(img: tf.Tensor4D): tf.Tensor2D {
    this.lastInputs = Array.from(img.dataSync());
    return img.reshape([img.shape[0], 2]).matMul(this.w) as tf.Tensor2D;
  }
  forwardTrain(img: tf.Tensor4D, gtLabel: tf.Tensor1D): LossDict {
    const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(gtLabel, 2), this.logits(img)) as tf.Scalar;
    return { loss };
  }
  simpleTest(img: tf.Tensor4D): tf.Tensor2D {
    return tf.softmax(this.logits(img));
  }
  override trainStep(batch: Batch): LossDict {
    this.trainSteps++;
    return super.trainStep(batch);
  }
}

// one 1x1 image with 2 channels per sample: BGR-like order [b, g]
const batch = (): Batch => ({ img: { data: Float32Array.from([10, 20, 30, 40]), shape: [2, 1, 1, 2] }, gt_label: Int32Array.from([0, 1]), indices: [0, 1] });

beforeAll(async () => {
  await initBackend('cpu');
});

describe('model steps', () => {
  it('the runner train step calls the model trainStep; the default runs the data preprocessor first', () => {
    const m = new TinyClassifier(new ClsDataPreprocessor({ mean: [10, 20], std: [2, 4], to_rgb: true }));
    const before = tf.memory().numTensors;
    const out = trainStep(m, batch());
    expect(m.trainSteps).toBe(1);
    // reversed channels, then (x - mean) / std: [20-10, 10-20]/[2,4] and [40-10, 30-20]/[2,4]
    expect(m.lastInputs).toEqual([5, -2.5, 15, 2.5]);
    expect(Object.keys(out.grads)).toEqual(['w']);
    expect(out.logVars.loss.dataSync()[0]).toBeGreaterThan(0);
    for (const t of [...Object.values(out.grads), ...Object.values(out.logVars)]) t.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('testStep gives softmax scores of the batch as laid out when there is no data preprocessor', () => {
    const m = new TinyClassifier();
    const s = tf.tidy(() => m.testStep(batch()));
    expect(s.shape).toEqual([2, 2]);
    expect(m.lastInputs).toEqual([10, 20, 30, 40]);
    s.dispose();
    expect(() => m.trainStep({ ...batch(), gt_label: undefined })).toThrow(/no gt_label/);
  });
});

describe('tensor data', () => {
  it('one conversion: bool becomes int32 for modules, stays bool for checkpoint tools', () => {
    const t = makeTensorData('bool', [3], Uint8Array.from([1, 0, 1]));
    const a = tensorDataToTf(t);
    const b = tensorDataToTf(t, { bool: 'bool' });
    const c = toTfTensor(t);
    expect([a.dtype, b.dtype, c.dtype]).toEqual(['int32', 'bool', 'bool']);
    expect(Array.from(a.dataSync())).toEqual([1, 0, 1]);
    const h = tensorDataToTf(makeTensorData('float16', [2], Uint16Array.from([0x3c00, 0xc000])));
    expect(Array.from(h.dataSync())).toEqual([1, -2]);
    tf.dispose([a, b, c, h]);
  });
});

describe('logger', () => {
  it('one class; non-zero ranks log errors only (mmcv get_logger)', () => {
    const lines: string[] = [];
    const r1 = new Logger({ rank: 1, level: 'debug' });
    r1.sink = (l) => lines.push(l);
    r1.warn('w');
    r1.error('e');
    expect(r1.level).toBe('ERROR');
    expect(lines.map((l) => l.replace(/^.* - fer-mm - /, ''))).toEqual(['ERROR - e']);
  });
});

describe('ConfigShape', () => {
  it('is typed from the root schema (type-checked by tsc over the tests)', () => {
    const ok = defineConfig({ runner: { type: 'EpochBasedRunner', max_epochs: 10 }, data: { train: { _delete_: true, type: 'RAF' } }, log_level: 'INFO' });
    // @ts-expect-error max_epochs is an integer in the root schema
    defineConfig({ runner: { type: 'EpochBasedRunner', max_epochs: 'ten' } });
    // @ts-expect-error log_level is one of the listed levels
    defineConfig({ log_level: 'LOUD' });
    expect(ok.runner.max_epochs).toBe(10);
  });
});
