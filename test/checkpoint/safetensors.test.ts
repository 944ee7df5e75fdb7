/** safetensors read/write, our checkpoint format, and atomic writes. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { encodeSafetensors, readSafetensors, readSafetensorsBuffer, writeSafetensors } from '../../src/checkpoint/safetensors';
import { writeFileAtomic } from '../../src/checkpoint/atomic';
import { readCheckpoint, saveCheckpoint } from '../../src/checkpoint/load';
import { TensorData, makeTensorData } from '../../src/checkpoint/tensor-data';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'st-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function tensors(): Map<string, TensorData> {
  return new Map<string, TensorData>([
    ['10.weight', makeTensorData('float32', [2, 2], Float32Array.from([1, 2, 3, 4]))],
    ['2.bias', makeTensorData('float16', [3], Uint16Array.from([0x3c00, 0, 0xbc00]))],
    ['bn.num_batches_tracked', makeTensorData('int64', [], BigInt64Array.from([123n]))],
    ['mask', makeTensorData('bool', [2], Uint8Array.from([1, 0]))],
    ['bf', makeTensorData('bfloat16', [1], Uint16Array.from([0x3f80]))],
    ['d', makeTensorData('float64', [2], Float64Array.from([Math.E, -1]))],
    ['i8', makeTensorData('int8', [2], Int8Array.from([-1, 1]))],
  ]);
}

describe('safetensors', () => {
  test('round trip keeps dtypes, values, order and metadata; header is 8-byte padded JSON', () => {
    const file = path.join(tmp, 'a.safetensors');
    writeSafetensors(file, tensors(), { note: 'hi' });
    const buf = fs.readFileSync(file);
    const n = Number(buf.readBigUInt64LE(0));
    expect(n % 8).toBe(0);
    const header = JSON.parse(buf.subarray(8, 8 + n).toString());
    expect(header['10.weight']).toEqual({ dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] });
    expect(header['bn.num_batches_tracked'].dtype).toBe('I64');
    expect(header.__metadata__).toEqual({ note: 'hi' });
    const back = readSafetensors(file);
    expect([...back.tensors.keys()]).toEqual([...tensors().keys()]);
    for (const [k, t] of tensors()) {
      const r = back.tensors.get(k)!;
      expect(r.dtype).toBe(t.dtype);
      expect(r.shape).toEqual(t.shape);
      expect(Array.from(r.data as Int32Array)).toEqual(Array.from(t.data as Int32Array));
    }
    expect(back.metadata).toEqual({ note: 'hi' });
  });

  test('hostile headers are rejected with the file name', () => {
    const mk = (header: string, data = Buffer.alloc(0), len?: bigint) => {
      const h = Buffer.from(header);
      const l = Buffer.alloc(8);
      l.writeBigUInt64LE(len ?? BigInt(h.length));
      return Buffer.concat([l, h, data]);
    };
    const bad: Array<[Buffer, RegExp]> = [
      [mk('{}', Buffer.alloc(0), 1n << 62n), /header length \d+ exceeds the file/],
      [mk('{"a":'), /header is not valid JSON/],
      [mk('{"a":{"dtype":"F32","shape":[1000000],"data_offsets":[0,4000000]}}', Buffer.alloc(16)), /beyond the data section/],
      [mk('{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', Buffer.alloc(16)), /does not match its 8 data bytes/],
      [mk('{"a":{"dtype":"C64","shape":[1],"data_offsets":[0,8]}}', Buffer.alloc(16)), /unsupported dtype "C64"/],
      [mk('{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}', Buffer.alloc(16)), /overlap/],
      [mk('{"__metadata__":{"x":1}}'), /__metadata__\.x is not a string/],
      [Buffer.alloc(3), /only 3 bytes/],
    ];
    for (const [b, re] of bad) {
      expect(() => readSafetensorsBuffer(b, 'evil.safetensors')).toThrow(/^evil\.safetensors: bad safetensors file/);
      expect(() => readSafetensorsBuffer(b, 'evil.safetensors')).toThrow(re);
    }
  });

  test('our format: weights + optimizer tensors + meta JSON in one file', () => {
    const file = path.join(tmp, 'epoch_2');
    const optimizer = {
      state: { 'fc.weight': { momentum_buffer: Float32Array.from([0.5, -0.5]), step: 7 } },
      param_groups: [{ lr: 0.01, weight_decay: 1e-4, names: ['fc.weight'] }],
      extra: makeTensorData('float64', [1], Float64Array.from([2.5])),
    };
    const meta = { epoch: 2, iter: 40, CLASSES: ['Anger', 'Neutral'], config: 'model = {}', seed: 0, hook_msgs: { best_score: 0.5 }, rng: { state: [1, 2, 3, 4] } };
    const written = saveCheckpoint(file, { stateDict: tensors(), meta, optimizer });
    expect(written).toBe(`${file}.safetensors`);
    const ck = readCheckpoint(written);
    expect(ck.format).toBe('safetensors');
    expect([...ck.stateDict.keys()]).toEqual([...tensors().keys()]);
    expect(ck.meta).toEqual(meta);
    const opt = ck.optimizer as typeof optimizer;
    expect(opt.state['fc.weight'].momentum_buffer).toBeInstanceOf(Float32Array);
    expect(Array.from(opt.state['fc.weight'].momentum_buffer)).toEqual([0.5, -0.5]);
    expect(opt.state['fc.weight'].step).toBe(7);
    expect(opt.param_groups).toEqual(optimizer.param_groups);
    expect(opt.extra.dtype).toBe('float64');
    // the file is standard safetensors: other readers see the optimizer tensors under a reserved prefix
    const raw = readSafetensors(written);
    expect([...raw.tensors.keys()].filter((k) => k.startsWith('__optimizer__.'))).toEqual([
      '__optimizer__.state.fc.weight.momentum_buffer',
      '__optimizer__.extra',
    ]);
    expect(raw.metadata.format).toBe('fer-mm-checkpoint');
  });

  test('a plain (foreign) safetensors file loads with its metadata as meta', () => {
    const file = path.join(tmp, 'hf.safetensors');
    writeSafetensors(file, tensors(), { format: 'pt' });
    const ck = readCheckpoint(file);
    expect(ck.meta).toEqual({ format: 'pt' });
    expect(ck.stateDict.size).toBe(7);
  });
});

describe('atomic writes', () => {
  test('a write that throws mid-way leaves the previous file intact and no temp file', () => {
    const file = path.join(tmp, 'latest.safetensors');
    writeSafetensors(file, tensors());
    const before = fs.readFileSync(file);
    const chunks = encodeSafetensors(new Map([['x', makeTensorData('float32', [1024], new Float32Array(1024).fill(3))]]));
    function* crashing(): Generator<Uint8Array> {
      yield chunks[0];
      yield chunks[1];
      throw new Error('simulated crash while writing');
    }
    expect(() => writeFileAtomic(file, crashing())).toThrow('simulated crash');
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(fs.readdirSync(tmp).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(readSafetensors(file).tensors.size).toBe(7);
  });

  test('saveCheckpoint failing before writing (bad tensor) keeps the old checkpoint', () => {
    const file = path.join(tmp, 'keep.safetensors');
    saveCheckpoint(file, { stateDict: tensors(), meta: { epoch: 1 } });
    const before = fs.readFileSync(file);
    const broken = new Map<string, TensorData>([['w', { dtype: 'float32', shape: [5], data: new Float32Array(2) }]]);
    expect(() => saveCheckpoint(file, { stateDict: broken, meta: { epoch: 2 } })).toThrow(/tensor 'w'/);
    expect(fs.readFileSync(file).equals(before)).toBe(true);
    expect(readCheckpoint(file).meta.epoch).toBe(1);
  });

  test('successful overwrite replaces the content', () => {
    const file = path.join(tmp, 'x.txt');
    writeFileAtomic(file, 'one');
    writeFileAtomic(file, [Buffer.from('tw'), Buffer.from('o')]);
    expect(fs.readFileSync(file, 'utf8')).toBe('two');
  });
});
