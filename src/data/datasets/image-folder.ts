import * as fs from 'fs';
import * as path from 'path';
import { Type, type Static } from '@sinclair/typebox';
import { DATASETS } from '../../registry/root';
import type { BuildContext } from '../../registry/registry';
import { BaseDataset, BaseDatasetProps, type DataInfo } from './base';
import { readText } from './raf';
import type { PipelineEntry } from '../transforms/compose';

export const IMG_EXTENSIONS = ['.jpg', '.jpeg', '.png', '.ppm', '.bmp', '.pgm', '.tif', '.tiff', '.webp'];

export const ImageFolderArgs = Type.Object(
  {
    ...BaseDatasetProps,
    ann_file: Type.Optional(Type.Union([Type.Null(), Type.String()], { description: 'Optional list: `<relative path> <label index>` per line' })),
    extensions: Type.Optional(Type.Array(Type.String(), { default: IMG_EXTENSIONS })),
  },
  { additionalProperties: false },
);
export type ImageFolderArgs = Omit<Static<typeof ImageFolderArgs>, 'pipeline'> & { pipeline?: PipelineEntry[] };

function listDirs(root: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    throw new Error(`ImageFolder: data_prefix folder not found: ${root}`);
  }
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}

function walk(dir: string, exts: string[], rel = ''): string[] {
  const out: string[] = [];
  const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const r = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(dir, exts, r));
    else if (exts.includes(path.extname(e.name).toLowerCase())) out.push(r);
  }
  return out;
}

/**
 * One folder per class (e.g. a CK+ tree: `root/anger/*.png`). Classes come
 * from `classes` (folder names, in that order) or the sorted folder names.
 * With `ann_file`, samples are read from the list instead of scanning.
 */
@DATASETS.register({ name: 'ImageFolder', schema: ImageFolderArgs, description: 'Folder-per-class image tree (CK+-style)' })
export class ImageFolder extends BaseDataset {
  constructor(args: ImageFolderArgs, ctx?: BuildContext) {
    const cls = args.classes ?? (args.ann_file ? null : listDirs(args.data_prefix));
    if (cls === null) throw new Error('ImageFolder: with ann_file, `classes` must be given');
    super({ ...args, classes: cls }, [], ctx);
    // errors in the tree or list surface at construction (MMEngine's lazy_init=False)
    this.fullInit();
  }
  get typeName(): string {
    return 'ImageFolder';
  }
  protected loadAnnotations(): DataInfo[] {
    const exts = ((this.rawArgs.extensions as string[] | undefined) ?? IMG_EXTENSIONS).map((e) => e.toLowerCase());
    if (this.annFile) {
      const file = this.annFile;
      const out: DataInfo[] = [];
      readText(file, 'ImageFolder annotation file').split(/\r?\n/).forEach((raw, i) => {
        const line = raw.trim();
        if (!line) return;
        const where = `${file}:${i + 1}`;
        const m = /^(.*\S)\s+(-?\d+)$/.exec(line);
        if (!m) throw new Error(`${where}: expected '<filename> <label>', got '${line}'`);
        const label = Number(m[2]);
        if (label < 0 || label >= this.CLASSES.length) throw new Error(`${where}: label ${label} is out of range 0..${this.CLASSES.length - 1}`);
        out.push({ img_prefix: this.dataPrefix, img_info: { filename: m[1] }, gt_label: label, source: where });
      });
      return out;
    }
    const present = new Set(listDirs(this.dataPrefix));
    const out: DataInfo[] = [];
    this.CLASSES.forEach((c, label) => {
      if (!present.has(c)) throw new Error(`ImageFolder: class folder '${c}' not found under ${this.dataPrefix} (found: ${[...present].join(', ')})`);
      for (const f of walk(path.join(this.dataPrefix, c), exts)) {
        out.push({ img_prefix: this.dataPrefix, img_info: { filename: `${c}/${f}` }, gt_label: label, source: path.join(this.dataPrefix, c, f) });
      }
    });
    if (out.length === 0) throw new Error(`ImageFolder: no images with extensions ${exts.join(' ')} under ${this.dataPrefix}`);
    return out;
  }
}
