/** An empty dataset is an error when the loader is built, naming the split and where the samples were looked for. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import '../../src/data';
import { buildSplitLoader } from '../../src/runner/api/build';
import { SingleProcessDist } from '../../src/runner/dist';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'empty-ds-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const pipeline = [{ type: 'LoadImageFromFile' }, { type: 'Collect', keys: ['img'] }];

describe('empty datasets', () => {
  it('an empty RAF annotation file fails at build time naming the file and the split', () => {
    const ann = path.join(tmp, 'train.txt');
    fs.writeFileSync(ann, '');
    const node = { type: 'RAF', data_prefix: tmp, ann_file: ann, pipeline };
    const cfg = { data: { samples_per_gpu: 2, workers_per_gpu: 0, train: node, test: { ...node } } };
    const opts = { seed: 0, dist: new SingleProcessDist() };
    expect(() => buildSplitLoader(cfg, 'train', opts)).toThrow(`data.train: the train dataset is empty: no samples in annotation file ${ann}`);
    expect(() => buildSplitLoader(cfg, 'test', opts)).toThrow(/^data\.test: the test dataset is empty: no samples in annotation file .*train\.txt$/);
  });

  it('through a dataset wrapper the wrapped annotation file is named; ImageFolder already names its folder', () => {
    const ann = path.join(tmp, 'val.txt');
    fs.writeFileSync(ann, '\n');
    const inner = { type: 'RAF', data_prefix: tmp, ann_file: ann, pipeline };
    const cfg = { data: { samples_per_gpu: 2, workers_per_gpu: 0, train: { type: 'RepeatDataset', times: 2, dataset: inner } } };
    expect(() => buildSplitLoader(cfg, 'train', { seed: 0, dist: new SingleProcessDist() })).toThrow(`data.train: the train dataset is empty: no samples in annotation file ${ann}`);
    const folder = path.join(tmp, 'imgs');
    fs.mkdirSync(folder);
    const f = { data: { samples_per_gpu: 2, workers_per_gpu: 0, train: { type: 'ImageFolder', data_prefix: folder, pipeline } } };
    expect(() => buildSplitLoader(f, 'train', { seed: 0, dist: new SingleProcessDist() })).toThrow(/data\.train .*no images .* under .*imgs/);
  });
});
