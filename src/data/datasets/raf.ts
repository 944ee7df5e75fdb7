import * as fs from 'fs';
import { Type, type Static } from '@sinclair/typebox';
import { DATASETS } from '../../registry/root';
import type { BuildContext } from '../../registry/registry';
import { BaseDataset, BaseDatasetProps, FER_CLASSES, type DataInfo } from './base';
import type { PipelineEntry } from '../transforms/compose';

/** RAF label L (1..7: Surprise, Fear, Disgust, Happiness, Sadness, Anger, Neutral) -> FER index. */
export const RAF_CONVERT_TABLE = [5, 2, 1, 4, 3, 0, 6];

export const RAFArgs = Type.Object(
  {
    ...BaseDatasetProps,
    ann_file: Type.String({ description: 'EmoLabel list: one `<filename> <label>` per line, labels 1..7' }),
  },
  { additionalProperties: false },
);
export type RAFArgs = Omit<Static<typeof RAFArgs>, 'pipeline'> & { pipeline?: PipelineEntry[] };

/** Reads a text file or throws an error naming it. */
export function readText(file: string, what: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(code === 'ENOENT' ? `${what} not found: ${file}` : `cannot read ${what} ${file}: ${(e as Error).message}`);
  }
}

/**
 * RAF-DB basic (official EmoLabel format). `_aligned` is removed from file
 * names; labels are remapped to the FER class order with RAF_CONVERT_TABLE.
 */
@DATASETS.register({ name: 'RAF', schema: RAFArgs, description: 'RAF-DB basic emotion list (EmoLabel/*.txt)' })
export class RAF extends BaseDataset {
  constructor(args: RAFArgs, ctx?: BuildContext) {
    super(args, FER_CLASSES, ctx);
  }
  get typeName(): string {
    return 'RAF';
  }
  protected loadAnnotations(): DataInfo[] {
    const file = this.annFile!;
    const lines = readText(file, 'RAF annotation file').split(/\r?\n/);
    const out: DataInfo[] = [];
    lines.forEach((raw, i) => {
      const line = raw.trim();
      if (!line) return;
      const where = `${file}:${i + 1}`;
      const parts = line.split(/\s+/);
      if (parts.length !== 2) throw new Error(`${where}: expected '<filename> <label>', got '${line}'`);
      const [name, lab] = parts;
      if (!/^-?\d+$/.test(lab)) throw new Error(`${where}: label '${lab}' is not an integer`);
      const L = Number(lab);
      if (L < 1 || L > 7) throw new Error(`${where}: RAF label ${L} is out of range 1..7`);
      const label = RAF_CONVERT_TABLE[L - 1];
      if (label >= this.CLASSES.length) throw new Error(`${where}: label ${L} maps to class ${label}, but only ${this.CLASSES.length} classes are configured`);
      out.push({
        img_prefix: this.dataPrefix,
        img_info: { filename: name.replace('_aligned', '') },
        gt_label: label,
        raf_label: L,
        source: where,
      });
    });
    return out;
  }
}
