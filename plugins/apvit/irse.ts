/**
 * IRSE backbone (mmcls/models/backbones/irse.py of APViT, after face.evoLVe's
 * IR / IR-SE ResNets). Blocks first, then the model, then its registration.
 * Parameter names follow the official state_dict: `input_layer.{0,1,2}`,
 * `body.{stage}.{unit}.{shortcut_layer,res_layer}.*`.
 */
import { Type, type Static, tf, Module, Conv2d, BatchNorm2d, PReLU, ReLU, Sigmoid, AdaptiveAvgPool2d, MaxPool2d, ModuleList, Sequential, assignInit, xavierUniform, withDefaults, type BuildContext, type TensorLayer } from 'fer-mm';
import { MODELS } from './scope';
import { loadPretrainedInto } from './weights';

// ---------------------------------------------------------------- blocks

/** Arguments of {@link SEModule} (face.evoLVe `SEModule(channels, reduction)`). */
export interface SEModuleArgs {
  /** Channels in and out. */
  channels: number;
  /** The hidden layer has channels / reduction units (default 16). */
  reduction?: number;
}

/** face.evoLVe SEModule: x · sigmoid(fc2(relu(fc1(avgpool(x))))), 1×1 convs without bias. */
export class SEModule extends Module {
  readonly avg_pool: AdaptiveAvgPool2d;
  readonly fc1: Conv2d;
  readonly relu: ReLU;
  readonly fc2: Conv2d;
  readonly sigmoid: Sigmoid;
  constructor(args: SEModuleArgs) {
    super();
    const { channels, reduction = 16 } = args;
    const mid = Math.floor(channels / reduction);
    if (mid < 1) throw new Error(`SEModule: ${channels} channels with reduction ${reduction} leave no hidden units`);
    this.avg_pool = this.registerModule('avg_pool', new AdaptiveAvgPool2d({ outputSize: 1 }));
    this.fc1 = this.registerModule('fc1', new Conv2d({ inChannels: channels, outChannels: mid, kernelSize: 1, bias: false }));
    this.relu = this.registerModule('relu', new ReLU());
    this.fc2 = this.registerModule('fc2', new Conv2d({ inChannels: mid, outChannels: channels, kernelSize: 1, bias: false }));
    this.sigmoid = this.registerModule('sigmoid', new Sigmoid());
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const w = this.sigmoid.forward(this.fc2.forward(this.relu.forward(this.fc1.forward(this.avg_pool.forward(x)))));
      return tf.mul(x, w);
    });
  }
}

/** Arguments of {@link BottleneckIR} (face.evoLVe `bottleneck_IR(in_channel, depth, stride)`). */
export interface BottleneckIRArgs {
  /** Input channels. */
  inChannel: number;
  /** Output channels. */
  depth: number;
  /** Spatial stride of the unit (2 opens a stage). */
  stride: number;
  /** Adds the squeeze-excitation module (bottleneck_IR_SE). */
  se: boolean;
}

/**
 * bottleneck_IR / bottleneck_IR_SE: res = BN → conv3×3 → PReLU → conv3×3(stride) → BN [→ SE];
 * shortcut = 1×1 max-pool subsampling when in == depth, else conv1×1(stride) + BN; out = res + shortcut.
 */
export class BottleneckIR extends Module {
  readonly shortcut_layer: TensorLayer;
  readonly res_layer: Sequential;
  constructor(args: BottleneckIRArgs) {
    super();
    const { inChannel, depth, stride } = args;
    this.shortcut_layer =
      inChannel === depth
        ? this.registerModule('shortcut_layer', new MaxPool2d({ kernelSize: 1, stride }))
        : this.registerModule(
            'shortcut_layer',
            new Sequential({
              layers: [new Conv2d({ inChannels: inChannel, outChannels: depth, kernelSize: 1, stride, bias: false }), new BatchNorm2d({ numFeatures: depth })],
            }),
          );
    const res: TensorLayer[] = [
      new BatchNorm2d({ numFeatures: inChannel }),
      new Conv2d({ inChannels: inChannel, outChannels: depth, kernelSize: 3, stride: 1, padding: 1, bias: false }),
      new PReLU({ numParameters: depth }),
      new Conv2d({ inChannels: depth, outChannels: depth, kernelSize: 3, stride, padding: 1, bias: false }),
      new BatchNorm2d({ numFeatures: depth }),
    ];
    if (args.se) res.push(new SEModule({ channels: depth, reduction: 16 }));
    this.res_layer = this.registerModule('res_layer', new Sequential({ layers: res }));
  }
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.add(this.res_layer.forward(x), this.shortcut_layer.forward(x)));
  }
}

/** Units per stage for each depth (face.evoLVe `get_blocks`). */
export const IRSE_UNITS: Record<number, number[]> = {
  50: [3, 4, 14, 3],
  100: [3, 13, 30, 3],
  152: [3, 8, 36, 3],
};
export const IRSE_WIDTHS = [64, 128, 256, 512];

// ---------------------------------------------------------------- model

export const IRSEArgs = Type.Object(
  {
    input_size: Type.Union([Type.Number(), Type.Array(Type.Number(), { minItems: 2, maxItems: 2 })], {
      default: [112, 112],
      description: 'Input image size, 112 or 224 (as a number or [h, w]); only checked, like the official code (any size for units/widths variants).',
    }),
    num_layers: Type.Union([Type.Literal(50), Type.Literal(100), Type.Literal(152)], {
      default: 50,
      description: 'IR depth: stage units (3,4,14,3) / (3,13,30,3) / (3,8,36,3).',
    }),
    mode: Type.Union([Type.Literal('ir'), Type.Literal('ir_se')], { default: 'ir', description: "'ir' or 'ir_se' (adds a squeeze-excitation module, res_layer.5)." }),
    return_index: Type.Array(Type.Integer({ minimum: 0, maximum: 3 }), {
      default: [3],
      minItems: 1,
      description: 'Stages whose outputs are returned; only stages 0..max(return_index) are built.',
    }),
    return_type: Type.Literal('Tuple', { default: 'Tuple', description: 'Returns a tuple (array) of stage outputs.' }),
    pretrained: Type.Union([Type.String(), Type.Null()], {
      default: null,
      description: 'face.evoLVe IR checkpoint loaded by initWeights() (flat body.N keys are remapped).',
    }),
    units: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), {
        minItems: 1,
        maxItems: 4,
        description: 'Extension (not in the official code): units per stage, overriding num_layers (for small demo models).',
      }),
    ),
    widths: Type.Optional(
      Type.Array(Type.Integer({ minimum: 1 }), {
        minItems: 1,
        maxItems: 4,
        description: 'Extension: channel width per stage (default 64,128,256,512); the stem outputs widths[0].',
      }),
    ),
  },
  { additionalProperties: false, description: 'IR / IR-SE ResNet backbone (face.evoLVe), NHWC in, tuple of NHWC stage maps out.' },
);
export type IRSEArgs = Static<typeof IRSEArgs>;

export class IRSE extends Module {
  readonly args: IRSEArgs;
  readonly input_layer: Sequential;
  readonly body: ModuleList<Sequential>;
  readonly outChannels: number[];
  private readonly ctx?: BuildContext;

  constructor(rawArgs: Partial<IRSEArgs>, ctx?: BuildContext) {
    super();
    const a = withDefaults(IRSEArgs, rawArgs);
    this.args = a;
    this.ctx = ctx;
    const where = ctx?.path ?? 'IRSE';
    const size = typeof a.input_size === 'number' ? a.input_size : a.input_size[0];
    // the official check; reduced variants (units/widths given) may take other sizes, e.g. 56 px demos
    const custom = a.units !== undefined || a.widths !== undefined;
    if (!custom && size !== 112 && size !== 224) throw new Error(`${where}.input_size: must be 112 or 224, got ${JSON.stringify(a.input_size)}`);
    const units = a.units ?? IRSE_UNITS[a.num_layers];
    const widths = a.widths ?? IRSE_WIDTHS;
    const numStages = Math.max(...a.return_index) + 1;
    if (units.length < numStages) throw new Error(`${where}.units: ${units.length} stages given but return_index needs ${numStages}`);
    if (widths.length < numStages) throw new Error(`${where}.widths: ${widths.length} stages given but return_index needs ${numStages}`);
    const se = a.mode === 'ir_se';

    const stem = [
      new Conv2d({ inChannels: 3, outChannels: widths[0], kernelSize: 3, stride: 1, padding: 1, bias: false }),
      new BatchNorm2d({ numFeatures: widths[0] }),
      new PReLU({ numParameters: widths[0] }),
    ];
    this.input_layer = this.registerModule('input_layer', new Sequential({ layers: stem }));
    this.body = this.registerModule('body', new ModuleList<Sequential>());
    this.outChannels = [];
    for (let s = 0; s < numStages; s++) {
      const inCh = s === 0 ? widths[0] : widths[s - 1];
      const depth = widths[s];
      const stage: BottleneckIR[] = [];
      for (let u = 0; u < units[s]; u++) stage.push(new BottleneckIR({ inChannel: u === 0 ? inCh : depth, depth, stride: u === 0 ? 2 : 1, se }));
      this.body.append(new Sequential({ layers: stage }));
      this.outChannels.push(depth);
    }
    this.initializeWeights();
  }

  /** `_initialize_weights`: xavier-uniform convs, BN weight 1 / bias 0 (PReLU keeps 0.25). */
  private initializeWeights(): void {
    for (const [, m] of this.namedModules()) {
      if (m instanceof Conv2d) {
        assignInit(m.weight, xavierUniform(m.weight.shape));
        if (m.bias) assignInit(m.bias, tf.zeros(m.bias.shape));
      }
    }
  }

  /** NHWC image batch → the outputs of the stages in `return_index` (tuple, in that order). */
  forward(x: tf.Tensor): tf.Tensor[] {
    return tf.tidy(() => {
      let y = this.input_layer.forward(x);
      const stageOut: tf.Tensor[] = [];
      this.body.items.forEach((stage) => {
        y = stage.forward(y);
        stageOut.push(y);
      });
      return this.args.return_index.map((i) => stageOut[i]);
    });
  }

  /** Loads `pretrained` (face.evoLVe format), logging the missing/unexpected report. */
  async initWeights(): Promise<void> {
    if (this.args.pretrained) {
      const unitsPerStage = this.body.items.map((s) => s.layers.length);
      await loadPretrainedInto(this, this.args.pretrained, 'face.evoLVe', this.ctx, { unitsPerStage });
    }
  }
}

MODELS.register({ name: 'IRSE', schema: IRSEArgs, role: 'backbone', description: 'IR / IR-SE ResNet 50/100/152 (face.evoLVe), APViT extractor' })(IRSE);
