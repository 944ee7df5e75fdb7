/** readCheckpoint / loadCheckpointIntoModule / saveCheckpoint with the real module layer. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf } from '../../src/tf';
import { initBackend } from '../../src/backend/backend';
import { Module } from '../../src/nn/module';
import { writePth } from '../../src/checkpoint/pth/write';
import { PyOrderedDict, setPyAttributes } from '../../src/checkpoint/pth/pickle';
import { describeLoadReport, loadCheckpointIntoModule, readCheckpoint, saveCheckpoint } from '../../src/checkpoint/load';
import { TensorData, fromFloat32, makeTensorData, toFloat32 } from '../../src/checkpoint/tensor-data';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ckload-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
beforeAll(async () => {
  await initBackend('cpu');
});

class Lin extends Module {
  constructor(i: number, o: number) {
    super();
    this.registerParameter('weight', tf.zeros([o, i]));
    this.registerParameter('bias', tf.zeros([o]));
  }
}
class BN extends Module {
  constructor(c: number) {
    super();
    this.registerParameter('weight', tf.ones([c]));
    this.registerParameter('bias', tf.zeros([c]));
    this.registerBuffer('running_mean', tf.zeros([c]));
    this.registerBuffer('running_var', tf.ones([c]));
    this.registerBuffer('num_batches_tracked', tf.scalar(0, 'int32'));
  }
}
class Net extends Module {
  constructor() {
    super();
    this.registerModule('fc', new Lin(3, 2));
    this.registerModule('bn', new BN(2));
  }
}

const f = (shape: number[], start = 0) => fromFloat32(Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => start + i), shape);
const val = (m: Module, key: string) => Array.from(m.stateDict().get(key)!.dataSync());

/** An mmcv checkpoint as DistributedDataParallel would save it. */
function mmcvCheckpoint(file: string): void {
  const sd = new PyOrderedDict<string, TensorData>();
  sd.set('module.fc.weight', f([2, 3], 1));
  sd.set('module.fc.bias', f([2], 10));
  sd.set('module.bn.weight', f([3])); // wrong shape
  sd.set('module.bn.running_mean', f([2], 5));
  sd.set('module.bn.running_var', f([2], 7));
  sd.set('module.bn.num_batches_tracked', makeTensorData('int64', [], BigInt64Array.from([99n])));
  sd.set('module.extra.weight', f([1]));
  setPyAttributes(sd, new Map([['_metadata', new PyOrderedDict([['', new Map([['version', 1]])]])]]));
  writePth(file, {
    meta: { epoch: 40, iter: 12000, mmcv_version: '1.4.0', CLASSES: ['Anger', 'Disgust', 'Fear', 'Sadness', 'Happiness', 'Surprise', 'Neutral'], hook_msgs: { best_score: 91.98 } },
    state_dict: sd,
    optimizer: { state: new Map(), param_groups: [{ lr: 0.0001, params: [0, 1] }] },
  });
}

describe('checkpoint loading', () => {
  test('mmcv container with module. prefix: values, meta and the mismatch report', () => {
    const file = path.join(tmp, 'epoch_40.pth');
    mmcvCheckpoint(file);
    const net = new Net();
    const logs: string[] = [];
    const before = tf.memory().numTensors;
    const res = loadCheckpointIntoModule(net, file, { logger: (m) => logs.push(m) });
    expect(tf.memory().numTensors).toBe(before);
    expect(res.format).toBe('pth');
    expect(val(net, 'fc.weight')).toEqual([1, 2, 3, 4, 5, 6]);
    expect(val(net, 'fc.bias')).toEqual([10, 11]);
    expect(val(net, 'bn.running_mean')).toEqual([5, 6]);
    expect(val(net, 'bn.num_batches_tracked')).toEqual([99]);
    expect(val(net, 'bn.weight')).toEqual([1, 1]); // mismatched: untouched
    expect(res.report.unexpected).toEqual(['extra.weight']);
    expect(res.report.missing).toEqual(['bn.bias']);
    expect(res.report.shapeMismatch).toEqual([{ key: 'bn.weight', expected: [2], got: [3] }]);
    expect(res.meta.epoch).toBe(40);
    expect(res.meta.CLASSES).toHaveLength(7);
    expect((res.meta.hook_msgs as { best_score: number }).best_score).toBe(91.98);
    expect(logs).toHaveLength(1);
    expect(logs[0]).toContain('unexpected key in source state_dict: extra.weight');
    expect(logs[0]).toContain('missing keys in source state_dict: bn.bias');
    expect(logs[0]).toContain('size mismatch for bn.weight: copying a param with shape [3] from checkpoint, the shape in current model is [2].');
    expect(logs[0]).toContain('epoch_40.pth');
    net.dispose();
  });

  test('strict mode throws with the report; revise_keys can be overridden', () => {
    const file = path.join(tmp, 'strict.pth');
    mmcvCheckpoint(file);
    const net = new Net();
    expect(() => loadCheckpointIntoModule(net, file, { strict: true })).toThrow(/bn\.bias/);
    const ck = readCheckpoint(file, { revise_keys: [] });
    expect([...ck.stateDict.keys()][0]).toBe('module.fc.weight');
    const ck2 = readCheckpoint(file, { reviseKeys: [['^module\\.', ''], [/\.weight$/, '.w']] });
    expect([...ck2.stateDict.keys()].slice(0, 2)).toEqual(['fc.w', 'fc.bias']);
    net.dispose();
  });

  test('prefix selects a sub-module (mmcv _load_checkpoint_with_prefix)', () => {
    const file = path.join(tmp, 'cls.pth');
    const sd = new PyOrderedDict<string, TensorData>([
      ['backbone.fc.weight', f([2, 3], 100)],
      ['backbone.fc.bias', f([2])],
      ['head.fc.weight', f([7, 2])],
    ]);
    writePth(file, { state_dict: sd });
    const lin = new Lin(3, 2);
    const holder = new (class extends Module {
      constructor() {
        super();
        this.registerModule('fc', lin);
      }
    })();
    const res = loadCheckpointIntoModule(holder, file, { prefix: 'backbone', logger: () => undefined });
    expect(res.report).toEqual({ missing: [], unexpected: [], shapeMismatch: [] });
    expect(val(holder, 'fc.weight')).toEqual([100, 101, 102, 103, 104, 105]);
    expect(() => loadCheckpointIntoModule(holder, file, { prefix: 'neck' })).toThrow(/cls\.pth: no keys start with the prefix 'neck\.'/);
    holder.dispose();
  });

  test('saveCheckpoint from tf variables, in both formats, loads back identically', () => {
    const src = new Net();
    tf.tidy(() => {
      for (const [k, v] of src.stateDict()) v.assign(v.dtype === 'int32' ? tf.scalar(k.length, 'int32') : tf.randomNormal(v.shape, 0, 1, 'float32', 3));
    });
    for (const name of ['ours.safetensors', 'mmcv.pth']) {
      const file = path.join(tmp, name);
      saveCheckpoint(file, { stateDict: src.stateDict(), meta: { epoch: 3, CLASSES: ['a', 'b'] } });
      const dst = new Net();
      const res = loadCheckpointIntoModule(dst, file, { strict: true });
      expect(res.format).toBe(name.endsWith('.pth') ? 'pth' : 'safetensors');
      expect(res.meta).toEqual({ epoch: 3, CLASSES: ['a', 'b'] });
      for (const [k] of src.stateDict()) expect(val(dst, k)).toEqual(val(src, k));
      dst.dispose();
    }
    src.dispose();
  });

  test('non-tensor state_dict entries are skipped and listed; an empty one is an error naming the keys', () => {
    const file = path.join(tmp, 'mixed.pth');
    writePth(file, new Map<string, unknown>([['w', f([1])], ['epoch', 3]]));
    const ck = readCheckpoint(file);
    expect([...ck.stateDict.keys()]).toEqual(['w']);
    expect(ck.ignoredKeys).toEqual(['epoch']);
    const none = path.join(tmp, 'none.pth');
    writePth(none, { model: { a: 1 }, epoch: 3 });
    expect(() => readCheckpoint(none)).toThrow(/none\.pth: no tensors found \(top-level keys: model, epoch/);
    expect(() => readCheckpoint(path.join(tmp, 'absent.pth'))).toThrow(/absent\.pth: cannot read checkpoint/);
  });

  test('describeLoadReport is empty for a clean load', () => {
    expect(describeLoadReport({ missing: [], unexpected: [], shapeMismatch: [] }, 'x')).toBe('');
  });

  test('int64 values outside int32 are an error when converting', () => {
    const net = new Net();
    const big = new Map<string, TensorData>([['bn.num_batches_tracked', makeTensorData('int64', [], BigInt64Array.from([2n ** 40n]))]]);
    expect(() => net.loadStateDict(big)).toThrow(/does not fit in int32/);
    expect(toFloat32(big.get('bn.num_batches_tracked')!)[0]).toBe(2 ** 40);
    net.dispose();
  });
});
