/**
 * Property test (fuzz target) for the pickle reader and the safetensors
 * header: random and mutated files, fixed seed. Every input must either read
 * or fail with a CheckpointError naming the file, within a time and heap
 * budget per input. FUZZ_ITERS=N runs longer (e.g. locally, 100000).
 */
import { CheckpointError } from '../../src/checkpoint/errors';
import { readPthBuffer } from '../../src/checkpoint/pth/read';
import { encodeSafetensors, readSafetensorsBuffer } from '../../src/checkpoint/safetensors';
import { decodeOurCheckpoint, encodeOurCheckpoint } from '../../src/checkpoint/format';
import { makeTensorData } from '../../src/checkpoint/tensor-data';
import { archive, bytes, dictPickle, global, int, op, str, tensorOps, tuple } from './pickle-bytes';

const ITERS = Number(process.env.FUZZ_ITERS ?? 400);
const PER_INPUT_MS = 3000;
const HEAP_BUDGET = 512 * 2 ** 20;

/** mulberry32: deterministic, so a failure reproduces from its iteration number. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Opcodes the reader knows, so random streams get past the first byte.
const OPCODES = [
  0x80, 0x95, 0x2e, 0x28, 0x30, 0x31, 0x32, 0x7d, 0x5d, 0x29, 0x74, 0x6c, 0x64, 0x85, 0x86, 0x87, 0x71, 0x72, 0x94, 0x68, 0x6a, 0x4a,
  0x4b, 0x4d, 0x8a, 0x8b, 0x47, 0x58, 0x8c, 0x8d, 0x54, 0x55, 0x43, 0x42, 0x8e, 0x96, 0x88, 0x89, 0x4e, 0x63, 0x93, 0x52, 0x81, 0x92,
  0x62, 0x73, 0x75, 0x61, 0x65, 0x51,
];

function mutate(base: Uint8Array, r: () => number): Uint8Array {
  let b = Array.from(base);
  const k = 1 + Math.floor(r() * 4);
  for (let m = 0; m < k; m++) {
    const at = Math.floor(r() * (b.length + 1));
    switch (Math.floor(r() * 6)) {
      case 0: // flip a byte
        if (b.length) b[at % b.length] = Math.floor(r() * 256);
        break;
      case 1: // insert a known opcode
        b.splice(at, 0, OPCODES[Math.floor(r() * OPCODES.length)]);
        break;
      case 2: // delete a run
        b.splice(at, 1 + Math.floor(r() * 8));
        break;
      case 3: // truncate
        b = b.slice(0, at);
        break;
      case 4: {
        // repeat a slice many times (amplification attempts)
        const len = 1 + Math.floor(r() * 6);
        const piece = b.slice(at, at + len);
        const times = Math.floor(r() * 20000);
        const rep: number[] = [];
        for (let i = 0; i < times; i++) rep.push(...piece);
        b.splice(at, 0, ...rep);
        break;
      }
      default: // a 32-bit length field set to something large
        if (b.length > 4) {
          const v = Math.floor(r() * 2 ** 32);
          for (let i = 0; i < 4 && at + i < b.length; i++) b[at + i] = (v >>> (8 * i)) & 0xff;
        }
    }
  }
  return Uint8Array.from(b);
}

function randomOps(r: () => number): Uint8Array {
  const n = Math.floor(r() * 200);
  const b: number[] = [0x80, 2];
  for (let i = 0; i < n; i++) b.push(r() < 0.7 ? OPCODES[Math.floor(r() * OPCODES.length)] : Math.floor(r() * 256));
  b.push(0x2e);
  return Uint8Array.from(b);
}

/** Runs one input; returns a description of a violation, or undefined. */
function check(read: () => unknown, file: string): string | undefined {
  const heap0 = process.memoryUsage().heapUsed;
  const t0 = Date.now();
  try {
    read();
  } catch (e) {
    if (!(e instanceof CheckpointError)) return `threw ${(e as Error).name}: ${(e as Error).message}`;
    if (!e.message.startsWith(`${file}: `)) return `error does not name the file: ${e.message}`;
  }
  const ms = Date.now() - t0;
  if (ms > PER_INPUT_MS) return `took ${ms} ms`;
  const grew = process.memoryUsage().heapUsed - heap0;
  if (grew > HEAP_BUDGET) return `heap grew by ${grew} bytes`;
  return undefined;
}

const f32 = (n: number) => Buffer.from(new Float32Array(n).fill(0.5).buffer);

describe('fuzz: pickle reader', () => {
  const w = tensorOps('FloatStorage', '0', 8, 0, [2, 4], [4, 1]);
  const seeds: Uint8Array[] = [
    dictPickle('w', w),
    bytes(op.PROTO2, op.EMPTY_DICT, str('meta'), op.EMPTY_DICT, str('epoch'), int(3), op.SETITEM, op.SETITEM, str('state_dict'), op.EMPTY_DICT, str('w'), w, op.SETITEM, op.SETITEM, op.STOP),
    dictPickle('d', [...global('torch', 'device'), ...tuple(str('cuda'), int(0)), ...op.REDUCE]),
    dictPickle('l', [...op.EMPTY_LIST, ...op.MARK, ...int(1), ...int(2), ...str('x'), 0x65]),
  ];

  test(`${ITERS} mutated and random pickles read or fail with a CheckpointError, within budget`, () => {
    const r = rng(14);
    const failures: string[] = [];
    for (let i = 0; i < ITERS; i++) {
      const pkl = i % 4 === 3 ? randomOps(r) : mutate(seeds[i % seeds.length], r);
      const file = `fuzz${i}.pth`;
      const v = check(() => readPthBuffer(archive(pkl, { '0': f32(8) }), file), file);
      if (v) failures.push(`#${i}: ${v}`);
    }
    expect(failures).toEqual([]);
  });
});

describe('fuzz: safetensors header', () => {
  const sd = new Map([
    ['a.weight', makeTensorData('float32', [2, 3], new Float32Array(6).fill(1))],
    ['a.bias', makeTensorData('float32', [3], new Float32Array(3))],
  ]);
  const plain = Buffer.concat(encodeSafetensors(sd, { note: 'x' }));
  const ours = Buffer.concat(encodeOurCheckpoint({ stateDict: sd, meta: { epoch: 1, CLASSES: ['a', 'b'] }, optimizer: { state: { 0: { m: sd.get('a.bias') } }, lr: 0.1 } }));

  test(`${ITERS} mutated headers read or fail with a CheckpointError, within budget`, () => {
    const r = rng(1414);
    const failures: string[] = [];
    for (let i = 0; i < ITERS; i++) {
      const base = i % 2 ? plain : ours;
      const n = Number(base.readBigUInt64LE(0));
      // mutate the header only (keep its length field consistent half of the time)
      const header = mutate(base.subarray(8, 8 + n), r);
      const len = Buffer.alloc(8);
      len.writeBigUInt64LE(r() < 0.5 ? BigInt(header.length) : BigInt(Math.floor(r() * 2 ** 32)));
      const file = `fuzz${i}.safetensors`;
      const buf = Buffer.concat([len, header, base.subarray(8 + n)]);
      const v = check(() => decodeOurCheckpoint(readSafetensorsBuffer(buf, file), file), file);
      if (v) failures.push(`#${i}: ${v}`);
    }
    expect(failures).toEqual([]);
  });
});
