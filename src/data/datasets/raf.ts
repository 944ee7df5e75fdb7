import * as fs from 'fs';
import * as path from 'path';
import { Type, type Static } from '@sinclair/typebox';
import { DATASETS } from '../../registry/root';
import type { BuildContext } from '../../registry/registry';
import { BaseDataset, BaseDatasetProps, FER_CLASSES, type DataInfo } from './base';
import type { PipelineEntry } from '../transforms/compose';
import type { Rng } from '../../utils/rng';
import type { Results } from '../types';

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

/** `x_aligned.jpg` → `x.jpg` and `x.jpg` → `x_aligned.jpg`: the two spellings of a RAF-DB image name. */
export function otherAlignedName(name: string): string {
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  return stem.endsWith('_aligned') ? `${stem.slice(0, -'_aligned'.length)}${ext}` : `${stem}_aligned${ext}`;
}

/**
 * RAF-DB basic (official EmoLabel format). `_aligned` is removed from file
 * names, as the official loader does; labels are remapped to the FER class
 * order with RAF_CONVERT_TABLE. The RAF-DB download names its images
 * `Image/aligned/train_00001_aligned.jpg` while its list names
 * `train_00001.jpg`: a listed image that is missing under its own name but
 * present under the other spelling is read from there (logged once).
 */
@DATASETS.register({ name: 'RAF', schema: RAFArgs, description: 'RAF-DB basic emotion list (EmoLabel/*.txt)' })
export class RAF extends BaseDataset {
  /** How names were resolved: how many listed names were read under the other `_aligned` spelling. */
  nameResolution: { renamed: number; example?: { listed: string; used: string } } = { renamed: 0 };

  constructor(args: RAFArgs, ctx?: BuildContext) {
    super(args, FER_CLASSES, ctx);
    this.fullInit();
    this.resolveAlignedNames();
  }

  /** Switches each missing image to its other `_aligned` spelling when that file exists. */
  private resolveAlignedNames(): void {
    const dir = this.dataPrefix;
    if (!dir || !fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) return;
    const present = new Set(fs.readdirSync(dir));
    for (const d of this.dataInfos) {
      const name = d.img_info?.filename;
      if (typeof name !== 'string' || name.includes('/') || present.has(name)) continue;
      const other = otherAlignedName(name);
      if (!present.has(other)) continue;
      d.img_info!.filename = other;
      if (!this.nameResolution.example) this.nameResolution.example = { listed: name, used: other };
      this.nameResolution.renamed++;
    }
    const ex = this.nameResolution.example;
    if (ex) {
      const msg =
        `${this.name}: ${this.nameResolution.renamed} of ${this.length} listed images are not in ${dir} under the listed name ` +
        `(without '_aligned') but are under the other spelling, e.g. '${ex.listed}' -> '${ex.used}' (the RAF-DB download's names); using those files`;
      if (this.logger) this.logger.info(msg);
      else console.log(msg);
    }
  }

  /** A missing image's error also shows one name the folder does hold, so a naming mismatch is plain. */
  override async getItem(i: number, rng: Rng): Promise<Results | null> {
    try {
      return await super.getItem(i, rng);
    } catch (e) {
      const msg = (e as Error).message;
      if (!msg.startsWith('image file not found')) throw e;
      const listed = this.dataInfos[i]?.img_info?.filename ?? '?';
      let found = '(the folder does not exist)';
      if (fs.existsSync(this.dataPrefix) && fs.statSync(this.dataPrefix).isDirectory()) {
        const first = fs.readdirSync(this.dataPrefix).sort()[0];
        found = first ? `e.g. '${first}'` : '(the folder is empty)';
      }
      const err = new Error(
        `${msg}; expected '${listed}' (or '${otherAlignedName(listed)}') in ${this.dataPrefix}, which holds ${found}: ` +
          `check data_prefix and ann_file (RAF-DB as downloaded: Image/aligned/train_00001_aligned.jpg with EmoLabel names like train_00001.jpg)`,
      );
      err.stack = `Error: ${err.message}\n${((e as Error).stack ?? '').split('\n').slice(1).join('\n')}`;
      throw err;
    }
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
