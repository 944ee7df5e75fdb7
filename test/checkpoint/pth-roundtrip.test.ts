/** Writer → reader round trips: every dtype, strides, offsets, shared storages, meta, zip layout. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PthTensorView, encodePth, writePth } from '../../src/checkpoint/pth/write';
import { readPth, readPthBuffer } from '../../src/checkpoint/pth/read';
import { PyOrderedDict, getPyAttributes, pyTuple, setPyAttributes, PyFloat } from '../../src/checkpoint/pth/pickle';
import { readZipEntries } from '../../src/checkpoint/pth/zip';
import { archive, dictPickle, global, op, tensorOps } from './pickle-bytes';
import { TensorData, TensorDType, makeTensorData, TENSOR_DTYPES } from '../../src/checkpoint/tensor-data';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pth-rt-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function sample(dtype: TensorDType): TensorData {
  switch (dtype) {
    case 'float32':
      return makeTensorData(dtype, [2, 3], Float32Array.from([1.5, -2.25, 3e-8, 1e30, -0, 7]));
    case 'float64':
      return makeTensorData(dtype, [3], Float64Array.from([Math.PI, -1e300, 5e-324]));
    case 'float16':
      return makeTensorData(dtype, [4], Uint16Array.from([0x3c00, 0xc000, 0x7bff, 0x0001]));
    case 'bfloat16':
      return makeTensorData(dtype, [2, 2], Uint16Array.from([0x3f80, 0xbf80, 0x7f7f, 0x0001]));
    case 'int64':
      return makeTensorData(dtype, [3], BigInt64Array.from([0n, -(2n ** 62n), 2n ** 62n + 12345n]));
    case 'int32':
      return makeTensorData(dtype, [2], Int32Array.from([-2147483648, 2147483647]));
    case 'int16':
      return makeTensorData(dtype, [2], Int16Array.from([-32768, 32767]));
    case 'int8':
      return makeTensorData(dtype, [3], Int8Array.from([-128, 0, 127]));
    case 'uint8':
      return makeTensorData(dtype, [3], Uint8Array.from([0, 128, 255]));
    case 'bool':
      return makeTensorData(dtype, [1, 3], Uint8Array.from([1, 0, 1]));
  }
}

describe('.pth writer → reader', () => {
  test('every dtype survives bit-exactly, in order, with _metadata', () => {
    const sd = new PyOrderedDict<string, TensorData>();
    for (const d of TENSOR_DTYPES) sd.set(`t.${d}`, sample(d));
    sd.set('scalar', makeTensorData('int64', [], BigInt64Array.from([42n])));
    sd.set('empty', makeTensorData('float32', [0, 3], new Float32Array(0)));
    const md = new PyOrderedDict<string, unknown>([['', new Map([['version', 1]])], ['bn', new Map([['version', 2]])]]);
    setPyAttributes(sd, new Map([['_metadata', md]]));
    const file = path.join(tmp, 'all.pth');
    writePth(file, sd);
    const back = readPth(file) as Map<string, TensorData>;
    expect(back).toBeInstanceOf(PyOrderedDict);
    expect([...back.keys()]).toEqual([...sd.keys()]);
    for (const [k, t] of sd) {
      const r = back.get(k)!;
      expect(r.dtype).toBe(t.dtype);
      expect(r.shape).toEqual(t.shape);
      expect(r.data.constructor).toBe(t.data.constructor);
      expect(Array.from(r.data as Int32Array)).toEqual(Array.from(t.data as Int32Array));
    }
    const attrs = getPyAttributes(back)!;
    const meta = attrs.get('_metadata') as Map<string, Map<string, number>>;
    expect([...meta.keys()]).toEqual(['', 'bn']);
    expect(meta.get('bn')!.get('version')).toBe(2);
  });

  test('strided views, storage offsets and a shared storage', () => {
    const storage = { dtype: 'float32' as const, data: Float32Array.from({ length: 30 }, (_, i) => i * 10) };
    // column-major [2,3,4] like the fortran fixture: element (i,j,k) = storage[i + 2j + 6k]
    const fortran = new PthTensorView(storage, [2, 3, 4], [1, 2, 6]);
    const transposed = new PthTensorView(storage, [3, 2], [1, 3], 4); // rows of a [2,3] block at offset 4, transposed
    const tail = new PthTensorView(storage, [5], [1], 25);
    const expanded = new PthTensorView(storage, [3, 2], [0, 1], 7); // stride-0 broadcast
    const obj = new Map<string, unknown>([
      ['fortran', fortran],
      ['transposed', transposed],
      ['tail', tail],
      ['expanded', expanded],
    ]);
    const chunks = encodePth(obj, 'shared');
    const buf = Buffer.concat(chunks);
    const entries = readZipEntries(buf, 'mem');
    expect([...entries.keys()].filter((k) => k.startsWith('shared/data/'))).toEqual(['shared/data/0']);
    const back = readPthBuffer(buf, 'mem') as Map<string, TensorData>;
    const v = (k: string) => Array.from(back.get(k)!.data as Float32Array);
    const f: number[] = [];
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) f.push((i + 2 * j + 6 * k) * 10);
    expect(back.get('fortran')!.shape).toEqual([2, 3, 4]);
    expect(v('fortran')).toEqual(f);
    expect(v('transposed')).toEqual([40, 70, 50, 80, 60, 90]);
    expect(v('tail')).toEqual([250, 260, 270, 280, 290]);
    expect(v('expanded')).toEqual([70, 80, 70, 80, 70, 80]);
    // materialized copies are independent of each other
    (back.get('tail')!.data as Float32Array)[0] = -1;
    expect(v('fortran')[0]).toBe(0);
  });

  test('same tensor object twice is memoized, not duplicated', () => {
    const t = sample('float32');
    const buf = Buffer.concat(encodePth(new Map([['a', t], ['b', t]])));
    expect([...readZipEntries(buf, 'mem').keys()].filter((k) => k.includes('/data/'))).toHaveLength(1);
    const back = readPthBuffer(buf, 'mem') as Map<string, TensorData>;
    expect(back.get('b')).toBe(back.get('a'));
  });

  test('meta values: ints, big ints, floats, strings, tuples, bytes, None, nested dicts', () => {
    const meta = {
      epoch: 12,
      iter: 70000,
      big: 2n ** 70n,
      neg: -300000,
      lr: 0.1,
      one: new PyFloat(1),
      text: 'model = dict(type="ImageClassifier")\nüñí',
      CLASSES: ['Anger', 'Disgust'],
      shape: pyTuple([112, 112]),
      raw: Uint8Array.from([0, 255, 10]),
      none: null,
      flag: true,
      hook_msgs: { best_score: 91.98 },
    };
    const buf = Buffer.concat(encodePth({ meta }));
    const m = (readPthBuffer(buf, 'mem') as Map<string, Map<string, unknown>>).get('meta')!;
    expect(m.get('epoch')).toBe(12);
    expect(m.get('iter')).toBe(70000);
    expect(m.get('big')).toBe(2n ** 70n);
    expect(m.get('neg')).toBe(-300000);
    expect(m.get('lr')).toBe(0.1);
    expect(m.get('one')).toBe(1);
    expect(m.get('text')).toBe(meta.text);
    expect(m.get('CLASSES')).toEqual(['Anger', 'Disgust']);
    expect(m.get('shape')).toEqual([112, 112]);
    expect(Array.from(m.get('raw') as Uint8Array)).toEqual([0, 255, 10]);
    expect(m.get('none')).toBeNull();
    expect(m.get('flag')).toBe(true);
    expect((m.get('hook_msgs') as Map<string, number>).get('best_score')).toBe(91.98);
  });

  test('torch layout: entry order, 64-byte aligned data, FB padding, version', () => {
    const sd = new PyOrderedDict<string, TensorData>();
    for (let i = 0; i < 12; i++) sd.set(`w${i}`, makeTensorData('float32', [i + 1], new Float32Array(i + 1).fill(i)));
    const file = path.join(tmp, 'epoch_3.pth');
    writePth(file, sd);
    const buf = fs.readFileSync(file);
    const entries = readZipEntries(buf, file);
    const names = [...entries.keys()];
    // storages "0".."11" written in lexicographic key order, like torch
    const keys = ['0', '1', '10', '11', '2', '3', '4', '5', '6', '7', '8', '9'];
    expect(names).toEqual(['epoch_3/data.pkl', 'epoch_3/byteorder', ...keys.map((k) => `epoch_3/data/${k}`), 'epoch_3/version']);
    for (const e of entries.values()) expect(e.dataOffset % 64).toBe(0);
    const v = entries.get('epoch_3/version')!;
    expect(buf.subarray(v.dataOffset, v.dataOffset + v.size).toString()).toBe('3\n');
    // first local header: extra field 'FB' + length + 'Z' padding
    const nameLen = buf.readUInt16LE(26);
    expect(buf.subarray(30 + nameLen, 32 + nameLen).toString()).toBe('FB');
    expect(buf[34 + nameLen]).toBe(0x5a);
    // and the values are right
    const back = readPth(file) as Map<string, TensorData>;
    expect(Array.from(back.get('w10')!.data as Float32Array)).toEqual(new Array(11).fill(10));
  });

  test('a self-containing list round-trips through the memo (like Python); unknown objects are refused', () => {
    const l: unknown[] = [];
    l.push(l);
    const back = readPthBuffer(Buffer.concat(encodePth({ l })), 'mem') as Map<string, unknown[]>;
    expect(back.get('l')![0]).toBe(back.get('l'));
    expect(() => encodePth({ d: new Date() })).toThrow(/cannot pickle a Date at root\.d/);
  });

  test('a numpy float64 in mmcv meta (pickle bytes produced by CPython + numpy 2)', () => {
    const py = Buffer.from(
      "\x80\x02}q\x00X\n\x00\x00\x00best_scoreq\x01cnumpy._core.multiarray\nscalar\nq\x02cnumpy\ndtype\nq\x03X\x02\x00\x00\x00f8q\x04\x89\x88\x87q\x05Rq\x06(K\x03X\x01\x00\x00\x00<q\x07NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tq\x08bc_codecs\nencode\nq\tX\x0c\x00\x00\x00\x1f\xc2\x85\xc3\xabQ\xc2\xb8\xc3\xbeV@q\nX\x06\x00\x00\x00latin1q\x0b\x86q\x0cRq\r\x86q\x0eRq\x0fs.",
      'latin1',
    );
    const m = readPthBuffer(archive(py), 'best.pth') as Map<string, unknown>;
    expect(m.get('best_score')).toBe(91.98);
  });

  test('nn.Parameter (_rebuild_parameter) unwraps to its tensor', () => {
    const param = [
      ...global('torch._utils', '_rebuild_parameter'),
      ...op.MARK,
      ...tensorOps('FloatStorage', '0', 2, 0, [2], [1]),
      0x88,
      ...global('collections', 'OrderedDict'),
      ...op.EMPTY_TUPLE,
      ...op.REDUCE,
      ...op.TUPLE,
      ...op.REDUCE,
    ];
    const m = readPthBuffer(archive(dictPickle('p', param), { '0': Buffer.from(Float32Array.from([3, 4]).buffer) }), 'p.pth') as Map<string, TensorData>;
    expect(Array.from(m.get('p')!.data as Float32Array)).toEqual([3, 4]);
  });

  test('zip64 end-of-central-directory records are followed', () => {
    const t = makeTensorData('float32', [3], Float32Array.from([1, 2, 3]));
    const plain = Buffer.concat(encodePth(new Map([['w', t]])));
    const eocd = plain.length - 22;
    const count = plain.readUInt16LE(eocd + 10);
    const cdSize = plain.readUInt32LE(eocd + 12);
    const cdOffset = plain.readUInt32LE(eocd + 16);
    const rec = Buffer.alloc(56);
    rec.writeUInt32LE(0x06064b50, 0);
    rec.writeBigUInt64LE(44n, 4);
    rec.writeUInt16LE(45, 12);
    rec.writeUInt16LE(45, 14);
    rec.writeBigUInt64LE(BigInt(count), 24);
    rec.writeBigUInt64LE(BigInt(count), 32);
    rec.writeBigUInt64LE(BigInt(cdSize), 40);
    rec.writeBigUInt64LE(BigInt(cdOffset), 48);
    const loc = Buffer.alloc(20);
    loc.writeUInt32LE(0x07064b50, 0);
    loc.writeBigUInt64LE(BigInt(eocd), 8);
    loc.writeUInt32LE(1, 16);
    const end = Buffer.from(plain.subarray(eocd));
    end.writeUInt16LE(0xffff, 8);
    end.writeUInt16LE(0xffff, 10);
    end.writeUInt32LE(0xffffffff, 12);
    end.writeUInt32LE(0xffffffff, 16);
    const z64 = Buffer.concat([plain.subarray(0, eocd), rec, loc, end]);
    const back = readPthBuffer(z64, 'z64.pth') as Map<string, TensorData>;
    expect(Array.from(back.get('w')!.data as Float32Array)).toEqual([1, 2, 3]);
    // a zip64 record pointing outside the file is an error, not a crash
    loc.writeBigUInt64LE(1n << 40n, 8);
    expect(() => readPthBuffer(Buffer.concat([plain.subarray(0, eocd), rec, loc, end]), 'z64bad.pth')).toThrow(/z64bad\.pth: bad zip archive: zip64 end record missing/);
  });
});
