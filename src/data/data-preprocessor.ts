/**
 * `ClsDataPreprocessor` (MMEngine/MMPretrain's name): the model-side step that
 * turns a collated host batch (NHWC float32, as the pipeline left it) into
 * device tensors, optionally swapping BGR to RGB and normalising per channel
 * on the device. Configured as `model.data_preprocessor`; when the pipeline
 * already has `Normalize`, leave mean/std unset (the default is the identity).
 */
import { Type, type Static } from '@sinclair/typebox';
import { tf } from '../tf';
import { MODELS } from '../registry/root';
import { batchToDevice } from '../nn/device-batch';
import type { Batch } from '../contracts/data';
import type { DataPreprocessor, DeviceBatch } from '../contracts/model';

export const ClsDataPreprocessorArgs = Type.Object(
  {
    mean: Type.Optional(Type.Union([Type.Null(), Type.Array(Type.Number(), { minItems: 1 })], { description: 'Per-channel mean subtracted (after to_rgb)' })),
    std: Type.Optional(Type.Union([Type.Null(), Type.Array(Type.Number(), { minItems: 1 })], { description: 'Per-channel std divided by (after to_rgb)' })),
    to_rgb: Type.Optional(Type.Boolean({ default: false, description: 'Reverse the channel order (BGR from the loader -> RGB)' })),
  },
  { additionalProperties: false },
);
export type ClsDataPreprocessorArgs = Static<typeof ClsDataPreprocessorArgs>;

@MODELS.register({ name: 'ClsDataPreprocessor', role: 'data_preprocessor', schema: ClsDataPreprocessorArgs, description: 'batch -> NHWC device tensors (+ to_rgb, mean/std)' })
export class ClsDataPreprocessor implements DataPreprocessor {
  readonly mean: number[] | null;
  readonly std: number[] | null;
  readonly toRgb: boolean;

  constructor(args: ClsDataPreprocessorArgs = {}) {
    this.mean = args.mean ?? null;
    this.std = args.std ?? null;
    this.toRgb = args.to_rgb ?? false;
    if ((this.mean === null) !== (this.std === null)) throw new Error('ClsDataPreprocessor: give both mean and std, or neither');
    if (this.mean && this.std && this.mean.length !== this.std.length) {
      throw new Error(`ClsDataPreprocessor: mean has ${this.mean.length} values but std has ${this.std.length}`);
    }
    if (this.std?.some((s) => s === 0)) throw new Error('ClsDataPreprocessor: std must not contain 0');
  }

  process(batch: Batch, _training: boolean): DeviceBatch {
    const { inputs, gtLabel } = batchToDevice(batch, 'data_preprocessor');
    if (!this.toRgb && !this.mean) return { inputs, gtLabel };
    const C = inputs.shape[3];
    if (this.mean && this.mean.length !== C) {
      inputs.dispose();
      gtLabel?.dispose();
      throw new Error(`data_preprocessor: mean/std have ${this.mean.length} channels but the batch has ${C}`);
    }
    const out = tf.tidy(() => {
      let x: tf.Tensor4D = this.toRgb ? tf.reverse(inputs, 3) : inputs;
      if (this.mean && this.std) x = tf.div(tf.sub(x, tf.tensor1d(this.mean)), tf.tensor1d(this.std));
      return x;
    });
    inputs.dispose();
    return { inputs: out, gtLabel };
  }
}
