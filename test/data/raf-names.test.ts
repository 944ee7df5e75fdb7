/** RAF-DB as downloaded: image names with and without `_aligned`. */
import * as fs from 'fs';
import * as path from 'path';
import '../../src/registry/validate';
import { RAF, otherAlignedName } from '../../src/data';
import { Rng } from '../../src/utils/rng';
import { tmpDir, writePng } from './helpers';

const pipeline = [{ type: 'LoadImageFromFile' }, { type: 'Collect', keys: ['img', 'gt_label'] }];

/** Images named `files` under Image/aligned and a list naming `listed`. */
async function makeSet(tag: string, files: string[], listed: string[]) {
  const dir = tmpDir(tag);
  const prefix = path.join(dir, 'Image', 'aligned');
  fs.mkdirSync(prefix, { recursive: true });
  fs.mkdirSync(path.join(dir, 'EmoLabel'));
  for (const [i, f] of files.entries()) await writePng(path.join(prefix, f), 8, 8, i);
  const ann = path.join(dir, 'EmoLabel', 'list_patition_label.txt');
  fs.writeFileSync(ann, listed.map((n, i) => `${n} ${(i % 7) + 1}`).join('\n') + '\n');
  return { dir, prefix, ann };
}

describe('RAF image names', () => {
  let logs: string[];
  let spy: jest.SpyInstance;
  beforeEach(() => {
    logs = [];
    spy = jest.spyOn(console, 'log').mockImplementation((m: string) => void logs.push(m));
  });
  afterEach(() => spy.mockRestore());

  it('otherAlignedName switches between the two spellings', () => {
    expect(otherAlignedName('train_00001.jpg')).toBe('train_00001_aligned.jpg');
    expect(otherAlignedName('train_00001_aligned.jpg')).toBe('train_00001.jpg');
  });

  it('reads the download layout (list train_00001.jpg, file train_00001_aligned.jpg) and logs once how', async () => {
    const names = ['train_00001', 'train_00002', 'test_0001'];
    const s = await makeSet('dl', names.map((n) => `${n}_aligned.png`), names.map((n) => `${n}.png`));
    const ds = new RAF({ data_prefix: s.prefix, ann_file: s.ann, pipeline });
    expect(ds.nameResolution).toEqual({ renamed: 3, example: { listed: 'train_00001.png', used: 'train_00001_aligned.png' } });
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain("3 of 3 listed images");
    expect(logs[0]).toContain("'train_00001.png' -> 'train_00001_aligned.png'");
    for (let i = 0; i < 3; i++) expect((await ds.getItem(i, new Rng(0)))!.img!.shape).toEqual([8, 8, 3]);
    expect(logs).toHaveLength(1);
    fs.rmSync(s.dir, { recursive: true, force: true });
  });

  it('reads the reverse (list names _aligned, files without) and leaves matching names alone, silently', async () => {
    const rev = await makeSet('rev', ['train_00001.png', 'train_00002.png'], ['train_00001_aligned.png', 'train_00002_aligned.png']);
    const ds = new RAF({ data_prefix: rev.prefix, ann_file: rev.ann, pipeline });
    expect(ds.nameResolution.renamed).toBe(0); // stripping `_aligned` already finds them
    expect((await ds.getItem(1, new Rng(0)))!.img).toBeDefined();
    // a list naming `_aligned` files that exist only under that name
    const kept = await makeSet('kept', ['train_00001_aligned.png'], ['train_00001_aligned.png']);
    const ds2 = new RAF({ data_prefix: kept.prefix, ann_file: kept.ann, pipeline });
    expect(ds2.nameResolution.renamed).toBe(1);
    expect(ds2.getAnnInfo(0).img_info!.filename).toBe('train_00001_aligned.png');
    expect(logs).toHaveLength(1);
    [rev, kept].forEach((s) => fs.rmSync(s.dir, { recursive: true, force: true }));
  });

  it('a name found under neither spelling fails showing one expected and one found name', async () => {
    const s = await makeSet('miss', ['face_a.png'], ['train_00001.png']);
    const ds = new RAF({ data_prefix: s.prefix, ann_file: s.ann, pipeline });
    expect(logs).toHaveLength(0);
    const err = await ds.getItem(0, new Rng(0)).then(
      () => null,
      (e: Error) => e,
    );
    expect(err?.message).toMatch(/^image file not found: .*train_00001\.png/);
    expect(err?.message).toContain("expected 'train_00001.png' (or 'train_00001_aligned.png')");
    expect(err?.message).toContain("which holds e.g. 'face_a.png'");
    fs.rmSync(s.dir, { recursive: true, force: true });
  });
});
