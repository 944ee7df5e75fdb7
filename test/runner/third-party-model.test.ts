/**
 * A model written to docs/contracts.md alone ("The model"): a registered
 * `Module` with the three steps, taking its `data_preprocessor` at
 * construction, not a BaseClassifier. Runner.fromCfg trains it from a config
 * and testModel evaluates its checkpoint.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { DataPreprocessorProp, MODELS, Module, Type, batchToDevice, tf, type Batch, type BuildContext, type DataPreprocessor, type LossDict, type Model, type Static } from 'fer-mm';
import { initBackend } from '../../src/backend/backend';
import { makeDemoData } from '../../src/data/demo-data';
import { Runner } from '../../src/runner/api/from-cfg';
import { testModel } from '../../src/runner/api/test';
import { Config } from '../../src/config';
import { toyToolConfig } from '../harness/tool-config';
import { memoryLogger } from '../harness/toy';

const LinearProbeArgs = Type.Object({ num_classes: Type.Integer({ minimum: 2 }), ...DataPreprocessorProp }, { additionalProperties: false });
type LinearProbeArgs = Static<typeof LinearProbeArgs>;

/** Mean colour of the image -> class logits. */
@MODELS.register({ name: 'LinearProbe', schema: LinearProbeArgs })
class LinearProbe extends Module implements Model {
  readonly weight: tf.Variable;
  readonly bias: tf.Variable;
  private readonly dataPreprocessor?: DataPreprocessor;
  constructor(args: LinearProbeArgs, _ctx?: BuildContext) {
    super();
    this.dataPreprocessor = args.data_preprocessor;
    this.weight = this.registerParameter('weight', tf.zeros([3, args.num_classes]));
    this.bias = this.registerParameter('bias', tf.zeros([args.num_classes]));
  }
  private device(batch: Batch, training: boolean) {
    return this.dataPreprocessor ? this.dataPreprocessor.process(batch, training) : batchToDevice(batch);
  }
  private logits(inputs: tf.Tensor4D): tf.Tensor2D {
    return tf.mean(inputs, [1, 2]).matMul(this.weight).add(this.bias) as tf.Tensor2D;
  }
  trainStep(batch: Batch): LossDict {
    const { inputs, gtLabel } = this.device(batch, true);
    const loss = tf.losses.softmaxCrossEntropy(tf.oneHot(gtLabel!, this.bias.shape[0]), this.logits(inputs)) as tf.Scalar;
    return { loss };
  }
  valStep(batch: Batch): tf.Tensor2D {
    return this.testStep(batch);
  }
  testStep(batch: Batch): tf.Tensor2D {
    return tf.softmax(this.logits(this.device(batch, false).inputs));
  }
}

let dir: string;

beforeAll(async () => {
  await initBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-third-party-'));
  await makeDemoData(path.join(dir, 'data'), { train: 28, test: 14, size: 16 });
});

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

it('trains and tests a third-party model built from a config through Runner.fromCfg and testModel', async () => {
  const base = toyToolConfig(path.join(dir, 'data'));
  const cfg = new Config({
    ...base,
    model: { type: 'LinearProbe', num_classes: 7, data_preprocessor: { type: 'ClsDataPreprocessor', mean: [0, 0, 0], std: [1, 1, 1] } },
    optimizer: { type: 'SGD', lr: 0.5 },
    runner: { type: 'EpochBasedRunner', max_epochs: 4 },
    checkpoint_config: { interval: 4 },
    evaluation: { interval: 4, metric: 'accuracy' },
  }).validate();
  const workDir = path.join(dir, 'work');
  const built = await Runner.fromCfg(cfg.cfg, { workDir, seed: 0, logger: memoryLogger(), progress: false });
  try {
    expect(built.model).toBeInstanceOf(LinearProbe);
    const before = tf.memory().numTensors;
    await built.train();
    expect(tf.memory().numTensors).toBe(before);
    expect(built.runner.epoch).toBe(4);
    expect(Math.abs((built.model as LinearProbe).weight.dataSync()[0])).toBeGreaterThan(0);
  } finally {
    await built.close();
  }
  const res = await testModel({ cfg: cfg.cfg, filename: '' }, path.join(workDir, 'epoch_4.safetensors'), { metrics: ['accuracy'], logger: memoryLogger() });
  expect(res.classScores).toHaveLength(14);
  expect(res.model).toBeInstanceOf(LinearProbe);
  // the demo classes differ in colour: a mean-colour probe beats chance (1/7)
  expect(res.metrics['accuracy_top-1']).toBeGreaterThan(100 / 7);
});
