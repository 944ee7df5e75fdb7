import * as fs from 'fs';
import * as path from 'path';
import '../../src/registry/validate';
import { RAF, ImageFolder } from '../../src/data';
import { DATASETS } from '../../src/registry/root';
import { Rng } from '../../src/utils/rng';
import { makeTinyRaf, tmpDir } from './helpers';

let dir: string;
let prefix: string;
let ann: string;
beforeAll(async () => {
  dir = tmpDir('bad');
  ({ prefix, ann } = await makeTinyRaf(dir, [1, 2, 3], 6));
  fs.rmSync(path.join(prefix, 'train_00002.png'));
  fs.writeFileSync(path.join(prefix, 'train_00003.png'), 'this is not an image');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const pipeline = [{ type: 'LoadImageFromFile' }, { type: 'Collect', keys: ['img', 'gt_label'] }];

describe('bad data', () => {
  it('a missing image names the file and the dataset', async () => {
    const ds = DATASETS.build<RAF>({ type: 'RAF', data_prefix: prefix, ann_file: ann, pipeline });
    await expect(ds.getItem(1, new Rng(0))).rejects.toThrow(
      new RegExp(`image file not found: ${path.join(prefix, 'train_00002.png').replace(/[.\\]/g, '\\$&')} \\(dataset RAF\\(.*train\\.txt\\), sample 1\\)`),
    );
  });
  it('an undecodable image names the file and the dataset', async () => {
    const ds = new RAF({ data_prefix: prefix, ann_file: ann, pipeline });
    await expect(ds.getItem(2, new Rng(0))).rejects.toThrow(/cannot decode image file .*train_00003\.png.*dataset RAF\(/);
  });
  it('skip_invalid: true drops the sample with a warning instead', async () => {
    const ds = new RAF({ data_prefix: prefix, ann_file: ann, pipeline, skip_invalid: true });
    const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      expect(await ds.getItem(1, new Rng(0))).toBeNull();
      expect(await ds.getItem(2, new Rng(0))).toBeNull();
      expect((await ds.getItem(0, new Rng(0)))!.img).toBeDefined();
      expect(warn).toHaveBeenCalledTimes(2);
      expect(String(warn.mock.calls[0][0])).toMatch(/skipping invalid sample: image file not found: .*train_00002\.png/);
    } finally {
      warn.mockRestore();
    }
  });
  it('a malformed annotation line fails at load time with file:line', () => {
    const bad = path.join(dir, 'bad1.txt');
    fs.writeFileSync(bad, 'a_aligned.jpg 1\n\nb_aligned.jpg\n');
    expect(() => new RAF({ data_prefix: prefix, ann_file: bad })).toThrow(/bad1\.txt:3: expected '<filename> <label>', got 'b_aligned\.jpg'/);
    fs.writeFileSync(bad, 'a_aligned.jpg one\n');
    expect(() => new RAF({ data_prefix: prefix, ann_file: bad })).toThrow(/bad1\.txt:1: label 'one' is not an integer/);
  });
  it('labels out of range are rejected at load time with file:line', () => {
    const bad = path.join(dir, 'bad2.txt');
    fs.writeFileSync(bad, 'a_aligned.jpg 1\nb_aligned.jpg 8\n');
    expect(() => new RAF({ data_prefix: prefix, ann_file: bad })).toThrow(/bad2\.txt:2: RAF label 8 is out of range 1\.\.7/);
    fs.writeFileSync(bad, 'a_aligned.jpg 0\n');
    expect(() => new RAF({ data_prefix: prefix, ann_file: bad })).toThrow(/bad2\.txt:1: RAF label 0/);
    const list = path.join(dir, 'bad3.txt');
    fs.writeFileSync(list, 'x.png 0\ny.png 2\n');
    expect(() => new ImageFolder({ data_prefix: prefix, ann_file: list, classes: ['a', 'b'] })).toThrow(/bad3\.txt:2: label 2 is out of range 0\.\.1/);
  });
  it('a missing annotation file is named', () => {
    expect(() => new RAF({ data_prefix: prefix, ann_file: path.join(dir, 'nope.txt') })).toThrow(/RAF annotation file not found: .*nope\.txt/);
  });
  it('unknown dataset arguments are rejected by the schema', () => {
    expect(() => DATASETS.build({ type: 'RAF', data_prefix: prefix, ann_file: ann, skip_invalide: true }, { path: 'data.train' })).toThrow(/skip_invalide/);
  });
});
