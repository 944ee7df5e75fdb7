import * as fs from 'fs';
import * as path from 'path';
import '../../src/registry/validate';
import { buildDataLoader, makeDemoData, RAF, type Batch, type DataLoader } from '../../src/data';
import { Rng } from '../../src/utils/rng';
import rafBase from '../../configs/_base_/datasets/RAF';
import { tmpDir } from './helpers';

async function collect(loader: DataLoader): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader) out.push(b);
  return out;
}

/** Points a config dataset node (possibly wrapped) at `prefix`/`ann`. */
function retarget(node: Record<string, unknown>, prefix: string, ann: string): Record<string, unknown> {
  if (node.dataset) return { ...node, dataset: retarget(node.dataset as Record<string, unknown>, prefix, ann) };
  return { ...node, data_prefix: prefix, ann_file: ann };
}

describe('demo data generator', () => {
  let dir: string;
  let dir2: string;
  beforeAll(async () => {
    dir = tmpDir('demo');
    dir2 = tmpDir('demo2');
    await makeDemoData(dir, { train: 21, test: 14, seed: 3 });
    await makeDemoData(dir2, { train: 21, test: 14, seed: 3 });
  });
  afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.rmSync(dir2, { recursive: true, force: true });
  });

  it('writes the RAF layout with balanced RAF labels and _aligned names', async () => {
    const train = fs.readFileSync(path.join(dir, 'EmoLabel', 'train.txt'), 'utf8').trim().split('\n');
    expect(train).toHaveLength(21);
    expect(train[0]).toMatch(/^train_00001_aligned\.jpg [1-7]$/);
    const labels = train.map((l) => Number(l.split(' ')[1]));
    expect([1, 2, 3, 4, 5, 6, 7].map((L) => labels.filter((x) => x === L).length)).toEqual([3, 3, 3, 3, 3, 3, 3]);
    expect(fs.readdirSync(path.join(dir, 'Image', 'aligned')).filter((f) => f.startsWith('test_'))).toHaveLength(14);
    const ds = new RAF({ data_prefix: path.join(dir, 'Image', 'aligned'), ann_file: path.join(dir, 'EmoLabel', 'test.txt'), pipeline: [{ type: 'LoadImageFromFile' }] });
    expect(ds.classCounts()).toEqual([2, 2, 2, 2, 2, 2, 2]);
    expect((await ds.getItem(0, new Rng(0)))!.img!.shape).toEqual([112, 112, 3]);
  });

  it('is deterministic (same seed, same bytes) and varies with the seed', async () => {
    for (const f of ['EmoLabel/train.txt', 'Image/aligned/train_00005.jpg', 'Image/aligned/test_00014.jpg']) {
      expect(fs.readFileSync(path.join(dir, f)).equals(fs.readFileSync(path.join(dir2, f)))).toBe(true);
    }
    const other = tmpDir('demo3');
    try {
      await makeDemoData(other, { train: 7, test: 0, seed: 4, size: 32 });
      expect(fs.readFileSync(path.join(other, 'EmoLabel/train.txt'), 'utf8')).not.toEqual(fs.readFileSync(path.join(dir, 'EmoLabel/train.txt'), 'utf8').split('\n').slice(0, 7).join('\n') + '\n');
    } finally {
      fs.rmSync(other, { recursive: true, force: true });
    }
  });

  it('runs the official RAF train (ClassBalanced, workers) and test pipelines through the loader', async () => {
    const data = (rafBase as unknown as { data: Record<string, Record<string, unknown>> }).data;
    const prefix = path.join(dir, 'Image', 'aligned');
    const train = retarget(data.train, prefix, path.join(dir, 'EmoLabel', 'train.txt'));
    const test = retarget(data.test, prefix, path.join(dir, 'EmoLabel', 'test.txt'));
    const tl = buildDataLoader(train as never, { samples_per_gpu: 8, workers_per_gpu: 2, shuffle: true, seed: 1 });
    const vl = buildDataLoader(test as never, { samples_per_gpu: 8, workers_per_gpu: 0, shuffle: false });
    try {
      // 7 balanced classes: f = 1/7 < 0.15, sqrt(0.15 * 7) = 1.02 -> every image is repeated twice.
      expect(tl.dataset.length).toBe(42);
      const tb = await collect(tl);
      expect(tb.map((b) => b.img.shape[0])).toEqual([8, 8, 8, 8, 8, 2]);
      expect(tb[0].img.shape).toEqual([8, 112, 112, 3]);
      // (instanceof fails across jest's realm for arrays made by worker threads; check the tag)
      expect(tb.every((b) => Object.prototype.toString.call(b.gt_label) === '[object Int32Array]')).toBe(true);
      const vb = await collect(vl);
      expect(vb.map((b) => b.indices)).toEqual([[0, 1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13]]);
      expect(vb[0].gt_label).toBeUndefined(); // test pipeline collects only the image
      const px = vb[0].img.data;
      expect(Math.max(...px.subarray(0, 3000))).toBeLessThan(2.7);
      expect(Math.min(...px.subarray(0, 3000))).toBeGreaterThan(-2.2);
    } finally {
      await tl.close();
    }
  });
});
