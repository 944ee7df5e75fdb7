import { Type, type Static } from '@sinclair/typebox';
import { DATASETS } from '../../registry/root';
import type { BuildContext } from '../../registry/registry';
import { BaseDataset, BaseDatasetProps, type DataInfo } from './base';
import { readText } from './raf';
import type { PipelineEntry } from '../transforms/compose';

/** Kaggle FER2013 label order (0..6). */
export const FER2013_CLASSES = ['Angry', 'Disgust', 'Fear', 'Happy', 'Sad', 'Surprise', 'Neutral'];

const { data_prefix: _omit, ...rest } = BaseDatasetProps;
void _omit;
export const FER2013Args = Type.Object(
  {
    ...rest,
    data_prefix: Type.Optional(Type.String({ default: '' })),
    ann_file: Type.String({ description: 'fer2013.csv with columns emotion, pixels, Usage' }),
    split: Type.Optional(
      Type.Union([Type.String(), Type.Array(Type.String())], { default: 'Training', description: "Usage value(s): 'Training', 'PublicTest', 'PrivateTest'" }),
    ),
  },
  { additionalProperties: false },
);
export type FER2013Args = Omit<Static<typeof FER2013Args>, 'pipeline'> & { pipeline?: PipelineEntry[] };

/**
 * The Kaggle FER2013 CSV. Images are 48x48 grayscale, decoded at load time
 * and handed to the pipeline as 3-channel uint8 (LoadImageFromFile passes an
 * in-memory image through).
 */
@DATASETS.register({ name: 'FER2013', schema: FER2013Args, description: 'Kaggle FER2013 CSV (emotion, pixels, Usage)' })
export class FER2013 extends BaseDataset {
  constructor(args: FER2013Args, ctx?: BuildContext) {
    super({ ...args, data_prefix: args.data_prefix ?? '' }, FER2013_CLASSES, ctx);
    // errors in the CSV surface at construction (MMEngine's lazy_init=False)
    this.fullInit();
  }
  get typeName(): string {
    return 'FER2013';
  }
  protected loadAnnotations(): DataInfo[] {
    const sp = this.rawArgs.split as string | string[] | undefined;
    const split = typeof sp === 'string' ? [sp] : sp ?? ['Training'];
    const file = this.annFile!;
    const lines = readText(file, 'FER2013 csv').split(/\r?\n/);
    const header = lines[0].trim().split(',').map((s) => s.trim());
    const ie = header.indexOf('emotion');
    const ip = header.indexOf('pixels');
    const iu = header.indexOf('Usage');
    if (ie < 0 || ip < 0) throw new Error(`${file}:1: header must have 'emotion' and 'pixels' columns, got '${lines[0]}'`);
    const out: DataInfo[] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i].trim();
      if (!line) continue;
      const where = `${file}:${i + 1}`;
      const cols = line.split(',');
      if (cols.length !== header.length) throw new Error(`${where}: expected ${header.length} columns, got ${cols.length}`);
      const usage = iu >= 0 ? cols[iu].trim() : 'Training';
      if (!split.includes(usage)) continue;
      if (!/^\d+$/.test(cols[ie].trim())) throw new Error(`${where}: emotion '${cols[ie]}' is not an integer`);
      const label = Number(cols[ie]);
      if (label >= this.CLASSES.length) throw new Error(`${where}: emotion ${label} is out of range 0..${this.CLASSES.length - 1}`);
      const px = cols[ip].trim().split(/\s+/);
      if (px.length !== 48 * 48) throw new Error(`${where}: expected 2304 pixels (48x48), got ${px.length}`);
      const data = new Uint8Array(48 * 48 * 3);
      for (let k = 0; k < px.length; k++) {
        const v = Number(px[k]);
        if (!(Number.isInteger(v) && v >= 0 && v <= 255)) throw new Error(`${where}: pixel ${k} '${px[k]}' is not in 0..255`);
        data[k * 3] = data[k * 3 + 1] = data[k * 3 + 2] = v;
      }
      out.push({ img_prefix: null, img_info: { filename: `${file}:${i + 1}` }, gt_label: label, img: { data, shape: [48, 48, 3] }, source: where });
    }
    return out;
  }
}
