/**
 * Strict weight loading for test/infer (default), `strict: false` restoring
 * mmcv's load-what-matches, the shared report format, and `latest` pointers
 * accepted wherever a checkpoint path is.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import '../harness/toy-plugin';
import { initBackend } from '../../src/backend/backend';
import { saveCheckpoint, readCheckpoint } from '../../src/checkpoint/load';
import { convertCheckpoint } from '../../src/checkpoint/convert';
import { makeTensorData, type TensorData } from '../../src/checkpoint/tensor-data';
import { formatLoadReport } from '../../src/nn/module';
import { initModel } from '../../src/runner/api/test';
import { WeightsMismatchError } from '../../src/runner/api/load-weights';
import { memoryLogger } from '../harness/toy';

let dir: string;
const cfg = { model: { type: 'ToyClassifier', num_classes: 7, pretrained: null } };
const IN = 4 * 4 * 3;

const f32 = (shape: number[], v = 0.1): TensorData => makeTensorData('float32', shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v));

beforeAll(async () => {
  await initBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-strict-'));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function ckpt(name: string, sd: Array<[string, TensorData]>): string {
  return saveCheckpoint(path.join(dir, name), { stateDict: new Map(sd), meta: {} });
}

describe('strict loading in initModel (test.ts / infer.ts)', () => {
  it('a checkpoint where nothing matches is an error listing the missing parameters', async () => {
    const f = ckpt('other.safetensors', [['backbone.w', f32([3])]]);
    const err = await initModel(cfg, f, memoryLogger()).catch((e) => e);
    expect(err).toBeInstanceOf(WeightsMismatchError);
    expect(err.message).toMatch(/other\.safetensors: the checkpoint does not fit the model \(2 missing, 0 mis-shaped parameters\)/);
    expect(err.message).toMatch(/missing keys in source state_dict: head\.weight, head\.bias/);
    expect(err.message).toMatch(/--no-strict/);
  });

  it('a mis-shaped parameter is an error; strict: false loads the rest and warns with the same report', async () => {
    const f = ckpt('shape.safetensors', [
      ['head.weight', f32([5, IN])],
      ['head.bias', f32([7], 0.5)],
    ]);
    await expect(initModel(cfg, f, memoryLogger())).rejects.toThrow(/size mismatch for head\.weight: copying a param with shape \[5,48\] from checkpoint, the shape in current model is \[7,48\]/);
    const log = memoryLogger();
    const { model } = await initModel(cfg, f, log, { strict: false });
    expect(log.lines.join('\n')).toMatch(/do not match exactly .*\n.*size mismatch for head\.weight/);
    const bias = (model.stateDict() as Map<string, { dataSync(): Float32Array }>).get('head.bias')!;
    expect(Array.from(bias.dataSync())).toEqual(new Array(7).fill(0.5));
  });

  it('unexpected keys alone only warn', async () => {
    const f = ckpt('extra.safetensors', [
      ['head.weight', f32([7, IN])],
      ['head.bias', f32([7])],
      ['ema.head.bias', f32([7])],
    ]);
    const log = memoryLogger();
    await initModel(cfg, f, log);
    expect(log.lines.join('\n')).toMatch(/unexpected key in source state_dict: ema\.head\.bias/);
  });

  it('the report lists the first 10 keys of a kind, then a count', () => {
    const keys = Array.from({ length: 25 }, (_, i) => `k${i}`);
    const text = formatLoadReport({ missing: keys, unexpected: [], shapeMismatch: keys.map((key) => ({ key, expected: [1], got: [2] })) });
    expect(text).toMatch(/missing keys in source state_dict: k0, k1, .*, k9, \.\.\. and 15 more \(25 in all\)/);
    expect(text).not.toMatch(/k10,/);
    expect(text.split('\n').filter((l) => l.startsWith('size mismatch'))).toHaveLength(10);
    expect(text).toMatch(/\.\.\. and 15 more size mismatches \(25 in all\)/);
  });
});

describe('latest resolves wherever a checkpoint path is accepted', () => {
  it('readCheckpoint, convertCheckpoint and initModel follow work_dir/latest and the work dir itself', async () => {
    const wd = path.join(dir, 'wd');
    fs.mkdirSync(wd);
    saveCheckpoint(path.join(wd, 'epoch_3.safetensors'), { stateDict: new Map([['head.weight', f32([7, IN])], ['head.bias', f32([7])]]), meta: { epoch: 3 } });
    fs.writeFileSync(path.join(wd, 'latest'), 'epoch_3.safetensors\n');
    expect(readCheckpoint(path.join(wd, 'latest')).meta.epoch).toBe(3);
    expect(readCheckpoint(wd).file).toBe(path.join(wd, 'epoch_3.safetensors'));
    const s = convertCheckpoint(path.join(wd, 'latest'), path.join(dir, 'conv.pth'));
    expect(s.tensors).toBe(2);
    const { meta } = await initModel(cfg, path.join(wd, 'latest'), memoryLogger());
    expect(meta.epoch).toBe(3);
    fs.writeFileSync(path.join(wd, 'latest'), 'epoch_9.safetensors\n');
    expect(() => readCheckpoint(path.join(wd, 'latest'))).toThrow(/wd\/latest: 'latest' pointer names no existing checkpoint/);
  });
});
