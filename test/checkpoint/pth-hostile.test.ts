/** Hostile and broken .pth files: clear errors naming the file, never a crash, hang or huge allocation. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { readPth, readPthBuffer } from '../../src/checkpoint/pth/read';
import { readCheckpoint } from '../../src/checkpoint/load';
import { encodePth } from '../../src/checkpoint/pth/write';
import { makeTensorData } from '../../src/checkpoint/tensor-data';
import { archive, bytes, dictPickle, global, int, legacyFile, legacyTensorOps, op, str, tensorOps, tuple, u32 } from './pickle-bytes';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'pth-bad-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function save(name: string, data: Uint8Array): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, data);
  return f;
}

const f32 = (n: number) => Buffer.from(new Float32Array(n).fill(1).buffer);

describe('hostile .pth files', () => {
  test('os.system is refused, naming the global and the file', () => {
    const pkl = bytes(op.PROTO2, global('os', 'system'), tuple(str('echo pwned')), op.REDUCE, op.STOP);
    const f = save('evil_os.pth', archive(pkl));
    expect(() => readPth(f)).toThrow(/evil_os\.pth.*refusing to load global 'os\.system'/);
    expect(() => readCheckpoint(f)).toThrow(/os\.system/);
  });

  test('builtins.eval through STACK_GLOBAL (protocol 4) is refused', () => {
    const sbu = (s: string) => [0x8c, s.length, ...Buffer.from(s)];
    const pkl = bytes([0x80, 4], [0x95, ...u32(20), 0, 0, 0, 0], sbu('builtins'), [0x94], sbu('eval'), [0x94], [0x93], sbu('1+1'), [0x85], op.REDUCE, op.STOP);
    const f = save('evil_eval.pth', archive(pkl));
    expect(() => readPth(f)).toThrow(/evil_eval\.pth.*'builtins\.eval'/);
  });

  test('a global hidden inside the state_dict is refused before anything is called', () => {
    const pkl = dictPickle('w', [...global('subprocess', 'Popen'), ...tuple(str('ls')), ...op.REDUCE]);
    expect(() => readPthBuffer(archive(pkl), 'sd.pth')).toThrow(/sd\.pth: refusing to load global 'subprocess\.Popen'/);
  });

  test('truncated archive', () => {
    const good = Buffer.concat(encodePth(new Map([['w', makeTensorData('float32', [64], new Float32Array(64))]])));
    const f = save('trunc.pth', good.subarray(0, Math.floor(good.length * 0.6)));
    expect(() => readPth(f)).toThrow(/trunc\.pth: bad zip archive/);
    // cut just the end-of-central-directory comment length field: still must not crash
    expect(() => readPthBuffer(good.subarray(0, good.length - 1), 'cut1.pth')).toThrow(/cut1\.pth/);
  });

  test('entry size beyond the end of the archive (patched central directory)', () => {
    const good = Buffer.from(Buffer.concat(encodePth(new Map([['w', makeTensorData('float32', [4], new Float32Array(4))]]))));
    // patch the size fields of the 'archive/data/0' central record to 1 GiB
    const cd = good.indexOf(Buffer.from('PK\x01\x02archive'.slice(0, 4), 'latin1'), 0);
    let p = cd;
    while (p >= 0) {
      const nameLen = good.readUInt16LE(p + 28);
      if (good.subarray(p + 46, p + 46 + nameLen).toString() === 'archive/data/0') break;
      p = good.indexOf(Buffer.from('PK\x01\x02', 'latin1'), p + 4);
    }
    good.writeUInt32LE(1 << 30, p + 20);
    good.writeUInt32LE(1 << 30, p + 24);
    expect(() => readPthBuffer(good, 'big.pth')).toThrow(/big\.pth: bad zip archive: entry 'archive\/data\/0' data .* beyond the end/);
  });

  test('numel in the persistent id beyond the storage bytes in the archive', () => {
    const pkl = dictPickle('w', tensorOps('FloatStorage', '0', 1e12, 0, [1e12], [1]));
    expect(() => readPthBuffer(archive(pkl, { '0': f32(4) }), 'numel.pth')).toThrow(
      /numel\.pth: storage '0' declares 1000000000000 float32 elements but archive\/data\/0 holds 16 bytes/,
    );
  });

  test('tensor view reaching past its storage (size, stride or offset)', () => {
    const st = { '0': f32(6) };
    const big = dictPickle('w', tensorOps('FloatStorage', '0', 6, 0, [1000], [1]));
    expect(() => readPthBuffer(archive(big, st), 'view.pth')).toThrow(/view\.pth: .*reads element 999 of storage '0' which holds only 6/);
    const off = dictPickle('w', tensorOps('FloatStorage', '0', 6, 5, [2], [1]));
    expect(() => readPthBuffer(archive(off, st), 'off.pth')).toThrow(/reads element 6/);
    const strided = dictPickle('w', tensorOps('FloatStorage', '0', 6, 0, [2, 3], [3, 2]));
    expect(() => readPthBuffer(archive(strided, st), 'stride.pth')).toThrow(/reads element 7/);
  });

  test('a zero-stride view cannot blow a tiny storage up into a huge allocation', () => {
    const pkl = dictPickle('w', tensorOps('FloatStorage', '0', 1, 0, [100000, 100000], [0, 0]));
    expect(() => readPthBuffer(archive(pkl, { '0': f32(1) }), 'expand.pth')).toThrow(/expand\.pth: .*exceeds the limit/);
  });

  test('missing storage entry and non-storage persistent ids', () => {
    const pkl = dictPickle('w', tensorOps('FloatStorage', '7', 4, 0, [4], [1]));
    expect(() => readPthBuffer(archive(pkl, { '0': f32(4) }), 'nokey.pth')).toThrow(/storage '7' has no entry archive\/data\/7/);
    const pid = dictPickle('w', [...tuple(str('storage'), global('collections', 'OrderedDict'), str('0'), str('cpu'), int(4)), ...op.BINPERSID]);
    expect(() => readPthBuffer(archive(pid, { '0': f32(4) }), 'pid.pth')).toThrow(/not a torch storage class/);
  });

  test('absurd string, bytes and frame lengths', () => {
    const s = bytes(op.PROTO2, [0x58, ...u32(0xfffffff0)], [0x41, 0x41], op.STOP);
    expect(() => readPthBuffer(archive(s), 'str.pth')).toThrow(/str\.pth: pickle truncated or corrupt: string needs 4294967280 bytes/);
    const s8 = bytes([0x80, 4], [0x8d, 0, 0, 0, 0, 0, 0, 0, 0x10], op.STOP);
    expect(() => readPthBuffer(archive(s8), 'str8.pth')).toThrow(/BINUNICODE8 length \d+ exceeds/);
    const fr = bytes([0x80, 4], [0x95, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f], op.STOP);
    expect(() => readPthBuffer(archive(fr), 'frame.pth')).toThrow(/FRAME length/);
    const lng = bytes(op.PROTO2, [0x8b, ...u32(100000)], op.STOP);
    expect(() => readPthBuffer(archive(lng), 'long.pth')).toThrow(/LONG4 needs 100000 bytes/);
  });

  test('malformed pickles: undefined memo, underflow, forbidden opcode, missing STOP', () => {
    const cases: Array<[Uint8Array, RegExp]> = [
      [bytes(op.PROTO2, [0x68, 9], op.STOP), /memo key 9 is not defined/],
      [bytes(op.PROTO2, op.REDUCE, op.STOP), /stack underflow/],
      [bytes(op.PROTO2, [0x69], op.STOP), /forbidden pickle opcode 0x69/], // INST
      [bytes(op.PROTO2, op.EMPTY_DICT), /without STOP/],
      [bytes(op.PROTO2, op.EMPTY_LIST, op.EMPTY_DICT, op.STOP), /unbalanced/],
    ];
    for (const [pkl, re] of cases) expect(() => readPthBuffer(archive(pkl), 'm.pth')).toThrow(re);
  });

  test('not a zip, bad zip, compressed entries, legacy formats', () => {
    expect(() => readPthBuffer(Buffer.from('hello world, not a checkpoint'), 'txt.pth')).toThrow(/txt\.pth: not a torch checkpoint/);
    const junk = Buffer.alloc(200, 7);
    junk.write('PK\x03\x04', 0, 'latin1');
    expect(() => readPthBuffer(junk, 'junk.pth')).toThrow(/junk\.pth: bad zip archive: no end-of-central-directory/);
    const good = Buffer.from(archive(bytes(op.PROTO2, op.EMPTY_DICT, op.STOP)));
    const cd = good.indexOf(Buffer.from('PK\x01\x02', 'latin1'));
    good.writeUInt16LE(8, cd + 10); // claim DEFLATE
    expect(() => readPthBuffer(good, 'deflate.pth')).toThrow(/compressed \(method 8\)/);
    expect(() => readPthBuffer(bytes(op.PROTO2, op.EMPTY_DICT, op.STOP), 'bare.pkl')).toThrow(/bare\.pkl: a bare pickle is not a torch checkpoint/);
    const tar = Buffer.alloc(1024);
    tar.write('ustar', 257);
    expect(() => readPthBuffer(tar, 'old.tar')).toThrow(/old\.tar: the tar torch format/);
  });

  test('corrupted data.pkl is caught by its CRC', () => {
    const good = Buffer.from(archive(dictPickle('a', int(1))));
    const at = good.indexOf(Buffer.from('X\x01\x00\x00\x00a', 'latin1'));
    good[at + 5] = 0x62; // 'a' → 'b'
    expect(() => readPthBuffer(good, 'crc.pth')).toThrow(/crc\.pth: archive\/data\.pkl is corrupt \(CRC mismatch\)/);
  });

  test('cyclic or exponentially shared meta fails fast in readCheckpoint', () => {
    const w = tensorOps('FloatStorage', '0', 4, 0, [4], [1]);
    // meta = L where L.append(L)
    const cyc = bytes(op.PROTO2, op.EMPTY_DICT, str('meta'), [0x5d, 0x71, 1, 0x68, 1, 0x61], op.SETITEM, str('state_dict'), op.EMPTY_DICT, str('w'), w, op.SETITEM, op.SETITEM, op.STOP);
    expect(() => readCheckpoint(save('cyc.pth', archive(cyc, { '0': f32(4) })))).toThrow(/cyc\.pth: meta: cyclic value/);
    // 60 levels of [x, x]: 2^60 paths through 60 objects
    const dag: number[] = [...int(0)];
    for (let i = 0; i < 60; i++) dag.push(0x71, i + 1, 0x68, i + 1, 0x86); // BINPUT i; BINGET i; TUPLE2
    const pkl = bytes(op.PROTO2, op.EMPTY_DICT, str('meta'), dag, op.SETITEM, str('state_dict'), op.EMPTY_DICT, str('w'), w, op.SETITEM, op.SETITEM, op.STOP);
    const t0 = Date.now();
    expect(() => readCheckpoint(save('dag.pth', archive(pkl, { '0': f32(4) })))).toThrow(/dag\.pth: meta: more than 1000000 values/);
    expect(Date.now() - t0).toBeLessThan(5000);
  });

  test('legacy (pre-1.6) files: refused globals, truncated and oversized storages', () => {
    const evil = bytes(op.PROTO2, global('os', 'system'), tuple(str('x')), op.REDUCE, op.STOP);
    expect(() => readPthBuffer(legacyFile(evil, []), 'old_evil.pth')).toThrow(/old_evil\.pth: refusing to load global 'os\.system'/);
    const obj = dictPickle('w', legacyTensorOps('FloatStorage', '0', 4, 0, [4], [1]));
    const good = legacyFile(obj, [['0', 4, f32(4)]]);
    expect(() => readPthBuffer(good.subarray(0, good.length - 3), 'old_trunc.pth')).toThrow(/old_trunc\.pth: .*storage '0' declares 4 float32 elements, beyond the end of the file/);
    expect(() => readPthBuffer(legacyFile(obj, [['0', 2 ** 40, f32(4)]]), 'old_big.pth')).toThrow(/beyond the end of the file/);
    const big = dictPickle('w', legacyTensorOps('FloatStorage', '0', 4, 0, [400], [1]));
    expect(() => readPthBuffer(legacyFile(big, [['0', 4, f32(4)]]), 'old_view.pth')).toThrow(/reads element 399/);
    expect(() => readPthBuffer(legacyFile(obj, [['9', 4, f32(4)]]), 'old_key.pth')).toThrow(/storage '9' is not referenced/);
  });

  test('many tensors viewing one storage cannot multiply the file into a huge allocation', () => {
    const views: number[] = [...op.PROTO2, ...op.EMPTY_DICT, ...op.MARK];
    for (let i = 0; i < 50; i++) views.push(...str(`v${i}`), ...tensorOps('FloatStorage', '0', 1024, 0, [1024], [1]));
    views.push(...op.SETITEMS, ...op.STOP);
    const file = archive(Uint8Array.from(views), { '0': f32(1024) });
    // 50 views × 4 KiB = 200 KiB; allow 100 KiB
    expect(() => readPthBuffer(file, 'amp.pth', { maxTotalBytes: 100 * 1024 })).toThrow(/amp\.pth: .*more than 102400 bytes in total/);
    expect((readPthBuffer(file, 'amp.pth') as Map<string, unknown>).size).toBe(50); // the default budget allows it
  });
});
