import * as fs from 'fs';
import * as path from 'path';
import '../../src/registry/validate';
import {
  ClassBalancedDataset,
  ConcatDataset,
  FER2013,
  FER_CLASSES,
  ImageFolder,
  RAF,
  RepeatDataset,
  classBalancedRepeatFactors,
  decodeImage,
  encodeBmp,
  imread,
  type DatasetLike,
} from '../../src/data';
import { DATASETS } from '../../src/registry/root';
import { Rng } from '../../src/utils/rng';
import sharp from 'sharp';
import { makeTinyRaf, pattern, tmpDir, writePng } from './helpers';

let dir: string;
beforeAll(() => {
  dir = tmpDir('datasets');
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('RAF', () => {
  it('strips _aligned, remaps RAF labels 1..7 to the FER order and loads images as BGR', async () => {
    const { prefix, ann } = await makeTinyRaf(path.join(dir, 'raf'), [1, 2, 3, 4, 5, 6, 7], 8);
    const ds = DATASETS.build<RAF>({ type: 'RAF', data_prefix: prefix, ann_file: ann, pipeline: [{ type: 'LoadImageFromFile' }] });
    expect(ds.CLASSES).toEqual(FER_CLASSES);
    expect(ds.length).toBe(7);
    // Surprise, Fear, Disgust, Happiness, Sadness, Anger, Neutral -> 5, 2, 1, 4, 3, 0, 6
    expect(Array.from(ds.gtLabels())).toEqual([5, 2, 1, 4, 3, 0, 6]);
    expect(ds.getAnnInfo(0).img_info.filename).toBe('train_00001.png');
    expect(ds.classCounts()).toEqual([1, 1, 1, 1, 1, 1, 1]);
    const r = (await ds.getItem(2, new Rng(0)))!;
    expect(r.img!.shape).toEqual([8, 8, 3]);
    const rgb = pattern(8, 8, 2);
    expect(Array.from(r.img!.data.subarray(0, 3))).toEqual([rgb[2], rgb[1], rgb[0]]);
    expect(r.gt_label).toBe(1);
    expect(r.filename).toBe(path.join(prefix, 'train_00003.png'));
  });
  it('accepts a classes override (list or file) and rejects labels beyond it at load time with file:line', async () => {
    const { prefix, ann } = await makeTinyRaf(path.join(dir, 'raf2'), [6, 3], 4);
    const names = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];
    expect(new RAF({ data_prefix: prefix, ann_file: ann, classes: names }).CLASSES).toEqual(names);
    const f = path.join(dir, 'classes.txt');
    fs.writeFileSync(f, 'x\ny\n');
    // label 6 (Anger) -> 0 fits; label 3 (Disgust) -> 1 fits; with one class it does not.
    expect(new RAF({ data_prefix: prefix, ann_file: ann, classes: f }).CLASSES).toEqual(['x', 'y']);
    expect(() => new RAF({ data_prefix: prefix, ann_file: ann, classes: ['only'] })).toThrow(/train\.txt:2: .*maps to class 1/);
  });
});

describe('ImageFolder (CK+-style tree)', () => {
  it('takes classes from sorted folder names, or from `classes`, and reads PNG/JPEG/BMP', async () => {
    const root = path.join(dir, 'ck');
    for (const [c, n] of [['surprise', 2], ['anger', 1], ['happy', 2]] as const) {
      fs.mkdirSync(path.join(root, c, 'S005'), { recursive: true });
      for (let i = 0; i < n; i++) await writePng(path.join(root, c, 'S005', `img_${i}.png`), 6, 5, i);
    }
    fs.writeFileSync(path.join(root, 'happy', 'notes.txt'), 'ignored');
    const bmp = encodeBmp({ data: Uint8Array.from(pattern(6, 5, 9)), shape: [6, 5, 3] });
    fs.writeFileSync(path.join(root, 'anger', 'x.bmp'), bmp);
    await sharp(pattern(6, 5, 3), { raw: { width: 5, height: 6, channels: 3 } }).jpeg().toFile(path.join(root, 'anger', 'y.jpg'));
    const ds = DATASETS.build<ImageFolder>({ type: 'ImageFolder', data_prefix: root, pipeline: [{ type: 'LoadImageFromFile' }] });
    expect(ds.CLASSES).toEqual(['anger', 'happy', 'surprise']);
    expect(ds.length).toBe(7);
    expect(ds.classCounts()).toEqual([3, 2, 2]);
    expect(ds.getAnnInfo(0).img_info.filename).toBe('anger/S005/img_0.png');
    for (let i = 0; i < ds.length; i++) expect((await ds.getItem(i, new Rng(0)))!.img!.shape).toEqual([6, 5, 3]);
    const picked = new ImageFolder({ data_prefix: root, classes: ['happy', 'anger'] });
    expect(Array.from(picked.gtLabels())).toEqual([0, 0, 1, 1, 1]);
    expect(() => new ImageFolder({ data_prefix: root, classes: ['fear'] })).toThrow(/class folder 'fear' not found/);
    const list = path.join(dir, 'ck-list.txt');
    fs.writeFileSync(list, 'happy/S005/img_1.png 1\nanger/x.bmp 0\n');
    const fromList = new ImageFolder({ data_prefix: root, ann_file: list, classes: ['anger', 'happy'] });
    expect(Array.from(fromList.gtLabels())).toEqual([1, 0]);
  });
});

describe('FER2013', () => {
  it('reads the Kaggle CSV, selects Usage splits, gives 48x48 gray as 3 channels', async () => {
    const csv = path.join(dir, 'fer2013.csv');
    const px = (v: number) => Array.from({ length: 2304 }, (_, i) => (i + v) % 256).join(' ');
    fs.writeFileSync(csv, ['emotion,pixels,Usage', `3,${px(0)},Training`, `0,${px(5)},PublicTest`, `6,${px(9)},Training`, `2,${px(1)},PrivateTest`].join('\n') + '\n');
    const train = DATASETS.build<FER2013>({ type: 'FER2013', ann_file: csv, pipeline: [{ type: 'LoadImageFromFile' }, { type: 'Resize', size: 24 }] });
    expect(train.CLASSES).toEqual(['Angry', 'Disgust', 'Fear', 'Happy', 'Sad', 'Surprise', 'Neutral']);
    expect(Array.from(train.gtLabels())).toEqual([3, 6]);
    const r = (await train.getItem(1, new Rng(0)))!;
    expect(r.img!.shape).toEqual([24, 24, 3]);
    const raw = (await new FER2013({ ann_file: csv, split: ['PublicTest', 'PrivateTest'], pipeline: [{ type: 'LoadImageFromFile' }] }).getItem(0, new Rng(0)))!;
    expect(Array.from(raw.img!.data.subarray(0, 6))).toEqual([5, 5, 5, 6, 6, 6]);
    fs.writeFileSync(csv, `emotion,pixels,Usage\n9,${px(0)},Training\n`);
    expect(() => new FER2013({ ann_file: csv })).toThrow(/fer2013\.csv:2: emotion 9 is out of range/);
    fs.writeFileSync(csv, `emotion,pixels,Usage\n1,1 2 3,Training\n`);
    expect(() => new FER2013({ ann_file: csv })).toThrow(/fer2013\.csv:2: expected 2304 pixels/);
  });
});

describe('dataset wrappers', () => {
  const rafCounts = { 1: 1290, 2: 281, 3: 717, 4: 4772, 5: 1982, 6: 705, 7: 2524 };
  it('ClassBalancedDataset: the spec RAF train counts give Fear x3, Disgust/Anger/Surprise x2, 15,545 samples', () => {
    const ann = path.join(dir, 'raf-full.txt');
    const lines: string[] = [];
    let i = 0;
    for (const [L, n] of Object.entries(rafCounts)) for (let k = 0; k < n; k++) lines.push(`train_${String(++i).padStart(5, '0')}_aligned.jpg ${L}`);
    fs.writeFileSync(ann, lines.join('\n'));
    const cb = DATASETS.build<ClassBalancedDataset>({
      type: 'ClassBalancedDataset',
      oversample_thr: 0.15,
      method: 'sqrt',
      dataset: { type: 'RAF', data_prefix: dir, ann_file: ann, pipeline: [] },
    });
    expect(cb.dataset.length).toBe(12271);
    expect(cb.length).toBe(15545);
    // per FER class: Anger, Disgust, Fear, Sadness, Happiness, Surprise, Neutral
    const perClass = new Map<number, number>();
    Array.from(cb.dataset.gtLabels()).forEach((l, j) => perClass.set(l, Math.ceil(cb.repeatFactors[j])));
    expect([0, 1, 2, 3, 4, 5, 6].map((c) => perClass.get(c))).toEqual([2, 2, 3, 1, 1, 2, 1]);
    expect(cb.classCounts()).toEqual([705 * 2, 717 * 2, 281 * 3, 1982, 4772, 1290 * 2, 2524]);
    // Deterministic integer repeats, adjacent.
    expect(cb.repeatIndices.slice(0, 3)).toEqual([0, 0, 1]);
    expect(() => DATASETS.build({ type: 'ClassBalancedDataset', oversample_thr: 0.1, method: 'linear', dataset: { type: 'RAF', data_prefix: dir, ann_file: ann } })).toThrow(/method/);
  });
  it('repeat factors: sqrt(thr / f) clamped at 1', () => {
    const f = classBalancedRepeatFactors([0, 0, 0, 1], 2, 0.5);
    expect(f[0]).toBe(1);
    expect(f[3]).toBeCloseTo(Math.sqrt(0.5 / 0.25));
  });
  it('ConcatDataset and RepeatDataset map indices and keep labels', async () => {
    const a = await makeTinyRaf(path.join(dir, 'ca'), [1, 2], 4);
    const b = await makeTinyRaf(path.join(dir, 'cb'), [7], 4);
    const node = (x: { prefix: string; ann: string }) => ({ type: 'RAF', data_prefix: x.prefix, ann_file: x.ann, pipeline: [{ type: 'LoadImageFromFile' }] });
    const cat = DATASETS.build<ConcatDataset>({ type: 'ConcatDataset', datasets: [node(a), node(b)] });
    expect(cat.length).toBe(3);
    expect(Array.from(cat.gtLabels())).toEqual([5, 2, 6]);
    expect((await cat.getItem(2, new Rng(0)))!.filename).toBe(path.join(b.prefix, 'train_00001.png'));
    const rep = DATASETS.build<RepeatDataset>({ type: 'RepeatDataset', times: 3, dataset: node(b) });
    expect(rep.length).toBe(3);
    expect(Array.from(rep.gtLabels())).toEqual([6, 6, 6]);
    await expect(rep.getItem(3, new Rng(0))).rejects.toThrow(/index 3 out of range/);
  });
  it('evaluate() reports mmcls metric keys through src/metrics', () => {
    const ds: DatasetLike = DATASETS.build({ type: 'RAF', data_prefix: dir, ann_file: path.join(dir, 'raf-full.txt') });
    const labels = ds.gtLabels();
    const scores = Array.from(labels, (l, i) => {
      const s = new Float32Array(7);
      s[i % 10 === 0 ? (l + 1) % 7 : l] = 1; // 10% wrong
      return s;
    });
    const res = ds.evaluate(scores, ['accuracy', 'class_accuracy'], { topk: [1] });
    expect(res['accuracy_top-1'] as number).toBeCloseTo(90, 0);
    expect((res.class_accuracy as number[]).length).toBe(7);
    expect(() => ds.evaluate(scores.slice(1), 'accuracy')).toThrow(/12270 results for 12271 samples/);
  });
});

describe('image IO', () => {
  it('decodes PNG as BGR, expands grayscale, and reads 24-bit BMP with the built-in decoder', async () => {
    const red = await sharp({ create: { width: 2, height: 1, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toBuffer();
    expect(Array.from((await decodeImage(red)).data)).toEqual([0, 0, 255, 0, 0, 255]);
    const gray = await sharp(Buffer.from([10, 200]), { raw: { width: 2, height: 1, channels: 1 } }).png().toBuffer();
    const g = await decodeImage(gray);
    expect(g.shape).toEqual([1, 2, 3]);
    expect(Array.from(g.data)).toEqual([10, 10, 10, 200, 200, 200]);
    const bgr = { data: Uint8Array.from(pattern(3, 5, 1)), shape: [3, 5, 3] as [number, number, number] };
    const f = path.join(dir, 'p.bmp');
    fs.writeFileSync(f, encodeBmp(bgr));
    expect(Array.from((await imread(f)).data)).toEqual(Array.from(bgr.data));
  });
});
