/**
 * BaseDataset's lazy init (MMEngine's lazy_init/full_init): a subclass's own
 * fields exist when its loadAnnotations runs, the annotations load once (on
 * first use or by fullInit), and label checks still name the sample.
 */
import * as fs from 'fs';
import * as path from 'path';
import { Type, type Static } from '@sinclair/typebox';
import '../../src/registry/validate';
import '../../src/data';
import { BaseDataset, BaseDatasetProps, type DataInfo } from '../../src/data/datasets/base';
import { DATASETS } from '../../src/registry/root';
import type { BuildContext } from '../../src/registry/registry';
import { Rng } from '../../src/utils/rng';
import { makeTinyRaf, tmpDir } from './helpers';

const PrefixListArgs = Type.Object(
  { ...BaseDatasetProps, ann_file: Type.String(), label_offset: Type.Integer({ default: 1 }) },
  { additionalProperties: false },
);
type PrefixListArgs = Static<typeof PrefixListArgs>;

/** `<file> <label>` lines whose labels start at `label_offset`; the offset is this class's own field. */
@DATASETS.register({ name: 'OffsetListTestDataset', schema: PrefixListArgs })
class OffsetListDataset extends BaseDataset {
  private readonly labelOffset: number;
  loads = 0;
  constructor(args: PrefixListArgs, ctx?: BuildContext) {
    super(args, ['a', 'b', 'c'], ctx);
    this.labelOffset = args.label_offset;
  }
  get typeName(): string {
    return 'OffsetList';
  }
  protected loadAnnotations(): DataInfo[] {
    this.loads++;
    // the trap this guards against: read inside super(), this field would still be undefined
    if (this.labelOffset === undefined) throw new Error('loadAnnotations ran before the subclass constructor');
    return fs
      .readFileSync(this.annFile!, 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l, i) => {
        const [filename, label] = l.trim().split(/\s+/);
        return { img_prefix: this.dataPrefix, img_info: { filename }, gt_label: Number(label) - this.labelOffset, source: `${this.annFile}:${i + 1}` };
      });
  }
}

let dir: string;
beforeAll(() => {
  dir = tmpDir('base-dataset');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('BaseDataset lazy init', () => {
  it('loads annotations after the subclass constructor, once, on first use', async () => {
    const { prefix } = await makeTinyRaf(path.join(dir, 'raf'), [1, 2, 3], 8);
    const names = fs.readdirSync(prefix).sort();
    const ann = path.join(dir, 'list.txt');
    fs.writeFileSync(ann, names.map((n, i) => `${n} ${i + 5}`).join('\n'));
    const ds = DATASETS.build<OffsetListDataset>({ type: 'OffsetListTestDataset', data_prefix: prefix, ann_file: ann, label_offset: 5, pipeline: [{ type: 'LoadImageFromFile' }] });
    expect(ds.fullyInitialized).toBe(false);
    expect(ds.loads).toBe(0);
    expect(Array.from(ds.gtLabels())).toEqual([0, 1, 2]);
    expect(ds.length).toBe(3);
    ds.fullInit();
    expect(ds.loads).toBe(1);
    const r = (await ds.getItem(1, new Rng(0)))!;
    expect(r.img!.shape).toEqual([8, 8, 3]);
    expect(r.gt_label).toBe(1);
  });

  it('fullInit checks labels against CLASSES, naming the annotation line', () => {
    const ann = path.join(dir, 'bad.txt');
    fs.writeFileSync(ann, 'x.png 1\ny.png 9\n');
    const ds = new OffsetListDataset({ data_prefix: dir, ann_file: ann, label_offset: 1, pipeline: [] } as PrefixListArgs);
    expect(() => ds.fullInit()).toThrow(/bad\.txt:2: label 8 is out of range for 3 classes/);
    expect(ds.fullyInitialized).toBe(false);
  });
});
