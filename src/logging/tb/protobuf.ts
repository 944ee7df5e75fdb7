/**
 * The few protobuf wire-format pieces a TensorBoard scalar event needs
 * (varint, fixed32/fixed64, length-delimited), and the Event/Summary messages:
 *   Event   { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 *   Summary { repeated Value value = 1; }
 *   Value   { string tag = 1; float simple_value = 2; }
 */

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_LEN = 2;
const WIRE_FIXED32 = 5;

export class ProtoWriter {
  private chunks: Uint8Array[] = [];

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
  }

  private key(field: number, wire: number): void {
    this.varint(BigInt(field * 8 + wire));
  }

  /** Unsigned varint; negative int64 values are written as 10-byte two's complement. */
  varint(v: bigint): void {
    let x = BigInt.asUintN(64, v);
    const out: number[] = [];
    do {
      let b = Number(x & 0x7fn);
      x >>= 7n;
      if (x > 0n) b |= 0x80;
      out.push(b);
    } while (x > 0n);
    this.push(Uint8Array.from(out));
  }

  int64(field: number, v: number | bigint): this {
    this.key(field, WIRE_VARINT);
    this.varint(typeof v === 'bigint' ? v : BigInt(Math.trunc(v)));
    return this;
  }

  double(field: number, v: number): this {
    this.key(field, WIRE_FIXED64);
    const b = new Uint8Array(8);
    new DataView(b.buffer).setFloat64(0, v, true);
    this.push(b);
    return this;
  }

  float(field: number, v: number): this {
    this.key(field, WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, data: Uint8Array): this {
    this.key(field, WIRE_LEN);
    this.varint(BigInt(data.length));
    this.push(data);
    return this;
  }

  string(field: number, s: string): this {
    return this.bytes(field, new TextEncoder().encode(s));
  }

  finish(): Uint8Array {
    const n = this.chunks.reduce((a, c) => a + c.length, 0);
    const out = new Uint8Array(n);
    let o = 0;
    for (const c of this.chunks) {
      out.set(c, o);
      o += c.length;
    }
    return out;
  }
}

/** An `Event` carrying only `file_version` (the first record of every file). */
export function encodeFileVersionEvent(wallTime: number, version = 'brain.Event:2'): Uint8Array {
  return new ProtoWriter().double(1, wallTime).string(3, version).finish();
}

/** An `Event` with one `Summary` holding scalar values. */
export function encodeScalarEvent(wallTime: number, step: number, values: Array<{ tag: string; value: number }>): Uint8Array {
  const summary = new ProtoWriter();
  for (const { tag, value } of values) summary.bytes(1, new ProtoWriter().string(1, tag).float(2, value).finish());
  return new ProtoWriter().double(1, wallTime).int64(2, step).bytes(5, summary.finish()).finish();
}
