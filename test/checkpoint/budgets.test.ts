/**
 * The reader budgets (docs/checkpoints.md): files whose opcodes or JSON would
 * allocate far more than their size fail fast with a CheckpointError naming
 * the file and the limit. Files are a few MB at most; each case must finish
 * in seconds.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { CheckpointError } from '../../src/checkpoint/errors';
import { readCheckpoint } from '../../src/checkpoint/load';
import { convertCheckpoint } from '../../src/checkpoint/convert';
import { readPthBuffer } from '../../src/checkpoint/pth/read';
import { readSafetensorsBuffer, encodeSafetensors } from '../../src/checkpoint/safetensors';
import { encodeOurCheckpoint } from '../../src/checkpoint/format';
import { makeTensorData } from '../../src/checkpoint/tensor-data';
import { archive, bytes, dictPickle, global, int, op, str, tensorOps, tuple } from './pickle-bytes';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'budget-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** `n` copies of `unit` after PROTO 2, then STOP. */
function repeated(unit: number[], n: number, tail: number[] = []): Uint8Array {
  const out = new Uint8Array(2 + unit.length * n + tail.length + 1);
  out.set(op.PROTO2, 0);
  for (let i = 0; i < n; i++) out.set(unit, 2 + i * unit.length);
  out.set(tail, 2 + unit.length * n);
  out[out.length - 1] = 0x2e;
  return out;
}

/** Runs `f`, expects a CheckpointError matching `re`, and a bounded time. */
function expectFast(f: () => unknown, re: RegExp, ms = 5000): CheckpointError {
  const t0 = Date.now();
  let err: unknown;
  try {
    f();
  } catch (e) {
    err = e;
  }
  expect(Date.now() - t0).toBeLessThan(ms);
  expect(err).toBeInstanceOf(CheckpointError);
  expect((err as Error).message).toMatch(re);
  return err as CheckpointError;
}

function stHeader(json: string | Uint8Array, dataBytes = 0): Uint8Array {
  const h = typeof json === 'string' ? Buffer.from(json) : json;
  const out = Buffer.alloc(8 + h.length + dataBytes);
  out.writeBigUInt64LE(BigInt(h.length), 0);
  Buffer.from(h).copy(out, 8);
  return out;
}

describe('pickle budgets', () => {
  test('millions of EMPTY_DICT opcodes hit the stack budget, not the heap', () => {
    const f = archive(repeated(op.EMPTY_DICT, 3_000_000));
    expectFast(() => readPthBuffer(f, 'dicts.pth'), /^dicts\.pth: pickle exceeds its budget of 131072 stack entries \(limit maxStack/);
  });

  test('dicts created and dropped (EMPTY_DICT POP) hit the container budget', () => {
    const f = archive(repeated([0x7d, 0x30], 1_200_000, [0x4e]));
    expectFast(() => readPthBuffer(f, 'churn.pth'), /churn\.pth: .*budget of 1048576 containers \(limit maxContainers/);
  });

  test('millions of nested tuples (TUPLE1 on TUPLE1) hit the container budget', () => {
    const f = archive(bytes(op.PROTO2, [0x4e], new Array<number>(2_000_000).fill(0x85), op.STOP));
    expectFast(() => readPthBuffer(f, 'nested.pth'), /nested\.pth: .*containers \(limit maxContainers/);
  });

  test('memo, MARK nesting and item budgets are enforced and configurable', () => {
    // NONE, LONG_BINPUT i, POP: 50 distinct memo keys
    const memoPkl: number[] = [...op.PROTO2];
    for (let i = 0; i < 50; i++) memoPkl.push(0x4e, 0x72, i, 0, 0, 0, 0x30);
    memoPkl.push(0x4e, 0x2e);
    expectFast(() => readPthBuffer(archive(Uint8Array.from(memoPkl)), 'memo.pth', { pickle: { maxMemo: 10 } }), /memo\.pth: .*10 memo entries \(limit maxMemo/);
    expectFast(() => readPthBuffer(archive(repeated(op.MARK, 100)), 'marks.pth', { pickle: { maxMarks: 20 } }), /marks\.pth: .*20 nested MARKs \(limit maxMarks/);
    const items = bytes(op.PROTO2, op.EMPTY_LIST, op.MARK, new Array(100).fill(0x4e), [0x65], op.STOP);
    expectFast(() => readPthBuffer(archive(items), 'items.pth', { pickle: { maxItems: 50 } }), /items\.pth: .*50 container items \(limit maxItems/);
  });

  test('torch.device called on a DAG of shared lists is refused, not stringified', () => {
    // 60 levels of [x, x]: String() would expand 2^60 paths
    const dag: number[] = [...str('cpu')];
    for (let i = 0; i < 60; i++) dag.push(0x71, i + 1, 0x68, i + 1, 0x86);
    const pkl = dictPickle('d', [...global('torch', 'device'), ...dag, 0x85, ...op.REDUCE]);
    expectFast(() => readPthBuffer(archive(pkl), 'device.pth'), /device\.pth: torch\.device: expected \(str\[, int\]\), got a list\/tuple of 2/);
    const ok = dictPickle('d', [...global('torch', 'device'), ...tuple(str('cuda'), int(1)), ...op.REDUCE]);
    expect((readPthBuffer(archive(ok), 'ok.pth') as Map<string, unknown>).get('d')).toBe('cuda:1');
  });

  test('allowlisted callables take only the argument types torch writes', () => {
    const w = tensorOps('FloatStorage', '0', 4, 0, [4], [1]);
    const f32 = Buffer.from(new Float32Array(4).buffer);
    const cases: Array<[number[], RegExp]> = [
      // OrderedDict over something that is not a list of pairs
      [[...global('collections', 'OrderedDict'), ...tuple(int(5)), ...op.REDUCE], /OrderedDict: expected a list of pairs, got 5/],
      // _rebuild_parameter on a non-tensor
      [[...global('torch._utils', '_rebuild_parameter'), ...tuple(str('x'), [0x89], op.EMPTY_DICT), ...op.REDUCE], /_rebuild_parameter: data is "x", not a tensor/],
      // _codecs.encode with a list as the encoding
      [[...global('_codecs', 'encode'), ...tuple(str('a'), op.EMPTY_LIST), ...op.REDUCE], /encoding is a list\/tuple of 0, not a str/],
      // numpy.dtype of "constructor" then a scalar of it
      [
        [...global('numpy.core.multiarray', 'scalar'), ...op.MARK, ...global('numpy', 'dtype'), ...tuple(str('constructor')), ...op.REDUCE, 0x43, 8, 0, 0, 0, 0, 0, 0, 0, 0, ...op.TUPLE, ...op.REDUCE],
        /numpy scalar of dtype "constructor" is not supported/,
      ],
    ];
    for (const [ops, re] of cases) {
      const e = expectFast(() => readPthBuffer(archive(dictPickle('v', ops), { '0': f32 }), 'args.pth'), re);
      expect(e.message.startsWith('args.pth: ')).toBe(true);
    }
    // requires_grad must be a bool: a tensor whose 5th argument is a string
    const bad = [...w];
    bad[bad.lastIndexOf(0x89)] = 0x4e; // requires_grad NEWFALSE → NONE
    expectFast(() => readPthBuffer(archive(dictPickle('w', bad), { '0': f32 }), 'rg.pth'), /rg\.pth: .*requires_grad is None, not a bool/);
    expect(readPthBuffer(archive(dictPickle('w', w), { '0': f32 }), 'good.pth')).toBeInstanceOf(Map);
  });

  test('meta keys named __proto__ stay data and never touch Object.prototype', () => {
    const w = tensorOps('FloatStorage', '0', 4, 0, [4], [1]);
    const meta = [...op.EMPTY_DICT, ...str('__proto__'), ...op.EMPTY_DICT, ...str('polluted'), ...int(1), ...op.SETITEM, ...op.SETITEM];
    const pkl = bytes(op.PROTO2, op.EMPTY_DICT, str('meta'), meta, op.SETITEM, str('state_dict'), op.EMPTY_DICT, str('w'), w, op.SETITEM, op.SETITEM, op.STOP);
    const f = path.join(tmp, 'proto.pth');
    fs.writeFileSync(f, archive(pkl, { '0': Buffer.from(new Float32Array(4).buffer) }));
    const ck = readCheckpoint(f);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(Object.getPrototypeOf(ck.meta)).toBe(Object.prototype);
    expect(Object.getOwnPropertyDescriptor(ck.meta, '__proto__')?.value).toEqual({ polluted: 1 });
  });
});

describe('safetensors header budgets', () => {
  test('a header nested a million deep is refused before JSON.parse', () => {
    const h = Buffer.alloc(2_000_000);
    h.fill(0x5b, 0, 1_000_000);
    h.fill(0x5d, 1_000_000);
    h[0] = 0x7b; // looks like a header
    expectFast(() => readSafetensorsBuffer(stHeader(h), 'deep.safetensors'), /^deep\.safetensors: bad safetensors file: header nested deeper than 16 levels \(limit maxDepth\)/);
  });

  test('a header of millions of [] is refused by the container budget', () => {
    const body = Buffer.from('[],'.repeat(1_200_000));
    const h = Buffer.concat([Buffer.from('{"a":['), body, Buffer.from('[]]}')]);
    expectFast(() => readCheckpoint(save('flat.safetensors', stHeader(h))), /flat\.safetensors: bad safetensors file: header holds more than 1048576 arrays\/objects \(limit maxContainers\)/);
  });

  test('header size: over the file, over the limit, and 2^60 named as safetensors', () => {
    expectFast(() => readSafetensorsBuffer(stHeader('{"a":1}', 0), 'lim.safetensors', { maxHeaderBytes: 4 }), /header length 7 exceeds the limit of 4 bytes \(limit maxHeaderBytes\)/);
    const huge = Buffer.from(stHeader('{}      '));
    huge.writeBigUInt64LE(2n ** 60n, 0);
    expectFast(() => readCheckpoint(save('huge.safetensors', huge)), /huge\.safetensors: bad safetensors file: header length 1152921504606846976 exceeds the file/);
  });

  test('dtype "constructor" and metadata keys from the file never reach Object.prototype', () => {
    const ctor = stHeader('{"w":{"dtype":"constructor","shape":[1],"data_offsets":[0,4]}}', 4);
    expectFast(() => readSafetensorsBuffer(ctor, 'ctor.safetensors'), /ctor\.safetensors: bad safetensors file: tensor 'w' has unsupported dtype "constructor"/);
    const meta = stHeader('{"__metadata__":{"__proto__":"x","toString":"y"}}');
    const st = readSafetensorsBuffer(meta, 'meta.safetensors');
    expect(st.metadata.toString).toBe('y');
    expect(Object.keys(st.metadata).sort()).toEqual(['__proto__', 'toString']);
  });

  test('optimizer __array__ of "__proto__" is an unknown array kind, not a TypeError', () => {
    const parts = encodeOurCheckpoint({ stateDict: new Map([['w', makeTensorData('float32', [1], Float32Array.of(1))]]), meta: {}, optimizer: { m: Float32Array.of(2) } });
    const enc = Buffer.concat(parts);
    const n = Number(enc.readBigUInt64LE(0));
    const header = JSON.parse(enc.subarray(8, 8 + n).toString()) as Record<string, { [k: string]: unknown }>;
    const md = header.__metadata__ as Record<string, string>;
    md.optimizer = md.optimizer.replace('"Float32Array"', '"__proto__"');
    const tensors = new Map([
      ['w', makeTensorData('float32', [1], Float32Array.of(1))],
      ['__optimizer__.m', makeTensorData('float32', [1], Float32Array.of(2))],
    ]);
    const f = save('arr.safetensors', Buffer.concat(encodeSafetensors(tensors, md)));
    expectFast(() => readCheckpoint(f), /arr\.safetensors: unknown array kind '__proto__'/);
    md.optimizer = `[${'['.repeat(100)}${']'.repeat(100)}]`;
    const deep = save('deepopt.safetensors', Buffer.concat(encodeSafetensors(tensors, md)));
    expectFast(() => readCheckpoint(deep), /deepopt\.safetensors: metadata 'optimizer' nested deeper than 16 levels/);
  });
});

function save(name: string, data: Uint8Array): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, data);
  return f;
}

describe('converting hostile optimizer state', () => {
  test('an optimizer state of exponentially shared lists fails fast naming the input', () => {
    const w = tensorOps('FloatStorage', '0', 4, 0, [4], [1]);
    const dag: number[] = [...int(0)];
    for (let i = 0; i < 60; i++) dag.push(0x71, i + 1, 0x68, i + 1, 0x86);
    const pkl = bytes(op.PROTO2, op.EMPTY_DICT, str('optimizer'), dag, op.SETITEM, str('state_dict'), op.EMPTY_DICT, str('w'), w, op.SETITEM, op.SETITEM, op.STOP);
    const f = save('optdag.pth', archive(pkl, { '0': Buffer.from(new Float32Array(4).buffer) }));
    expectFast(() => convertCheckpoint(f, path.join(tmp, 'optdag_out'), { keepOptimizer: true }), /optdag\.pth: cannot convert to .*optdag_out\.safetensors: optimizer state has more than 1000000 values/);
    expect(fs.existsSync(path.join(tmp, 'optdag_out.safetensors'))).toBe(false);
  });
});
