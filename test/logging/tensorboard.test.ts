/**
 * Reads the writer's event file back with an independent decoder (bitwise
 * CRC-32C, hand-rolled protobuf parsing) and checks framing, CRCs and fields.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { TensorboardWriter } from '../../src/logging/tensorboard';
import { crc32c, maskedCrc32c } from '../../src/logging/tb/crc32c';

// ---- independent reference implementations ----
function crc32cBitwise(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
function maskRef(data: Uint8Array): number {
  const c = BigInt(crc32cBitwise(data));
  const rot = ((c >> 15n) | (c << 17n)) & 0xffffffffn;
  return Number((rot + 0xa282ead8n) & 0xffffffffn);
}

type Field = { field: number; wire: number; value: bigint | Buffer };
function parseProto(buf: Buffer): Field[] {
  const out: Field[] = [];
  let o = 0;
  const varint = () => {
    let shift = 0n;
    let v = 0n;
    for (;;) {
      const b = buf[o++];
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) return v;
    }
  };
  while (o < buf.length) {
    const key = Number(varint());
    const field = key >> 3;
    const wire = key & 7;
    if (wire === 0) out.push({ field, wire, value: varint() });
    else if (wire === 1) (out.push({ field, wire, value: buf.subarray(o, o + 8) }), (o += 8));
    else if (wire === 5) (out.push({ field, wire, value: buf.subarray(o, o + 4) }), (o += 4));
    else if (wire === 2) {
      const n = Number(varint());
      out.push({ field, wire, value: buf.subarray(o, o + n) });
      o += n;
    } else throw new Error(`unexpected wire type ${wire}`);
  }
  return out;
}

interface DecodedEvent {
  wallTime: number;
  step?: bigint;
  fileVersion?: string;
  values: Array<{ tag: string; simpleValue: number }>;
}
function readEvents(file: string): DecodedEvent[] {
  const buf = fs.readFileSync(file);
  const events: DecodedEvent[] = [];
  let o = 0;
  while (o < buf.length) {
    const lenBytes = buf.subarray(o, o + 8);
    const len = Number(buf.readBigUInt64LE(o));
    expect(buf.readUInt32LE(o + 8)).toBe(maskRef(lenBytes));
    const data = buf.subarray(o + 12, o + 12 + len);
    expect(buf.readUInt32LE(o + 12 + len)).toBe(maskRef(data));
    o += 12 + len + 4;
    const ev: DecodedEvent = { wallTime: NaN, values: [] };
    for (const f of parseProto(data)) {
      if (f.field === 1 && f.wire === 1) ev.wallTime = (f.value as Buffer).readDoubleLE(0);
      else if (f.field === 2 && f.wire === 0) ev.step = BigInt.asIntN(64, f.value as bigint);
      else if (f.field === 3 && f.wire === 2) ev.fileVersion = (f.value as Buffer).toString('utf8');
      else if (f.field === 5 && f.wire === 2) {
        for (const v of parseProto(f.value as Buffer)) {
          expect(v.field).toBe(1);
          const fields = parseProto(v.value as Buffer);
          const tag = fields.find((x) => x.field === 1 && x.wire === 2)!.value as Buffer;
          const sv = fields.find((x) => x.field === 2 && x.wire === 5)!.value as Buffer;
          ev.values.push({ tag: tag.toString('utf8'), simpleValue: sv.readFloatLE(0) });
        }
      } else throw new Error(`unexpected Event field ${f.field}/${f.wire}`);
    }
    events.push(ev);
  }
  return events;
}

describe('crc32c', () => {
  it('matches the standard check vectors', () => {
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa); // RFC 3720 B.4: 32 zero bytes
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(new Uint8Array(0))).toBe(0);
    const rnd = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7919 + 13) & 0xff);
    expect(crc32c(rnd)).toBe(crc32cBitwise(rnd));
    expect(maskedCrc32c(rnd)).toBe(maskRef(rnd));
  });
});

describe('TensorboardWriter', () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tb-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes a version record then scalar events readable by a TFRecord/Event decoder', () => {
    const w = new TensorboardWriter(path.join(dir, 'tf_logs'));
    expect(path.basename(w.file)).toMatch(new RegExp(`^events\\.out\\.tfevents\\.\\d{10}\\.${os.hostname().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    w.addScalar('train/loss', 1.25, 0, 1700000000.5);
    w.addScalar('train/lr', 1e-3, 20);
    w.addScalars({ 'val/accuracy_top-1': 91.98, 'val/accuracy_top-2': 96.5 }, 4880);
    w.addScalar('big/step', -3.5, 2 ** 40);
    w.close();
    const ev = readEvents(w.file);
    expect(ev[0].fileVersion).toBe('brain.Event:2');
    expect(ev[0].step).toBeUndefined();
    expect(Math.abs(ev[0].wallTime - Date.now() / 1000)).toBeLessThan(60);
    expect(ev.slice(1).map((e) => [e.step, e.values[0].tag])).toEqual([
      [0n, 'train/loss'],
      [20n, 'train/lr'],
      [4880n, 'val/accuracy_top-1'],
      [4880n, 'val/accuracy_top-2'],
      [2n ** 40n, 'big/step'],
    ]);
    expect(ev[1].wallTime).toBe(1700000000.5);
    expect(ev[1].values[0].simpleValue).toBe(1.25);
    expect(ev[2].values[0].simpleValue).toBeCloseTo(1e-3, 9);
    expect(ev[3].values[0].simpleValue).toBeCloseTo(91.98, 4);
    expect(ev[5].values[0].simpleValue).toBe(-3.5);
    expect(() => w.addScalar('x', 1, 1)).toThrow(/closed/);
  });

  it('buffers until flush / maxQueue, and never reuses a file name', () => {
    const w = new TensorboardWriter(dir, { maxQueue: 3 });
    const size0 = fs.statSync(w.file).size;
    w.addScalar('a', 1, 1);
    w.addScalar('a', 2, 2);
    expect(fs.statSync(w.file).size).toBe(size0);
    w.addScalar('a', 3, 3); // reaches maxQueue
    const size1 = fs.statSync(w.file).size;
    expect(size1).toBeGreaterThan(size0);
    w.addScalar('a', 4, 4);
    w.flush();
    expect(fs.statSync(w.file).size).toBeGreaterThan(size1);
    const w2 = new TensorboardWriter(dir);
    expect(w2.file).not.toBe(w.file);
    w.close();
    w2.close();
    expect(readEvents(w.file).slice(1).map((e) => e.values[0].simpleValue)).toEqual([1, 2, 3, 4]);
    expect(readEvents(w2.file)).toHaveLength(1);
  });
});
