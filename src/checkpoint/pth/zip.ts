/**
 * Minimal ZIP reader/writer for torch archives. torch stores every entry
 * uncompressed (STORED), so entries are plain byte ranges of the file; every
 * offset and size read from the file is checked against the file length.
 * Zip64 (archives or entries over 4 GiB) is read; the writer refuses it.
 */
import { CheckpointError } from '../errors';

export interface ZipEntry {
  name: string;
  /** Absolute offset of the entry data in the archive. */
  dataOffset: number;
  size: number;
  crc32: number;
}

const SIG_LOCAL = 0x04034b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_EOCD = 0x06054b50;
const SIG_EOCD64 = 0x06064b50;
const SIG_EOCD64_LOC = 0x07064b50;

function u64(dv: DataView, off: number, file: string, what: string): number {
  const v = dv.getBigUint64(off, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError(file, `bad zip: ${what} ${v} is too large`);
  return Number(v);
}

/** Parses the central directory. Throws a CheckpointError on anything malformed. */
export function readZipEntries(buf: Uint8Array, file: string): Map<string, ZipEntry> {
  const len = buf.byteLength;
  const dv = new DataView(buf.buffer, buf.byteOffset, len);
  const bad = (msg: string): never => {
    throw new CheckpointError(file, `bad zip archive: ${msg}`);
  };
  if (len < 22) bad(`file is only ${len} bytes`);
  // The end-of-central-directory record sits in the last 22 + 65535 bytes.
  let eocd = -1;
  for (let p = len - 22; p >= Math.max(0, len - 22 - 0xffff); p--) {
    if (dv.getUint32(p, true) === SIG_EOCD && p + 22 + dv.getUint16(p + 20, true) <= len) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0) bad('no end-of-central-directory record (truncated or not a zip)');
  let count = dv.getUint16(eocd + 10, true);
  let cdSize = dv.getUint32(eocd + 12, true);
  let cdOffset = dv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    if (loc < 0 || dv.getUint32(loc, true) !== SIG_EOCD64_LOC) bad('zip64 locator missing');
    const rec = u64(dv, loc + 8, file, 'zip64 record offset');
    if (rec + 56 > len || dv.getUint32(rec, true) !== SIG_EOCD64) bad('zip64 end record missing');
    count = u64(dv, rec + 32, file, 'entry count');
    cdSize = u64(dv, rec + 40, file, 'central directory size');
    cdOffset = u64(dv, rec + 48, file, 'central directory offset');
  }
  if (cdOffset + cdSize > len) bad(`central directory [${cdOffset}, +${cdSize}) lies beyond the file (${len} bytes)`);
  // Each central record is at least 46 bytes: bounds the loop for hostile counts.
  if (count * 46 > cdSize) bad(`${count} entries cannot fit in a ${cdSize}-byte central directory`);
  const entries = new Map<string, ZipEntry>();
  const dec = new TextDecoder('utf-8', { fatal: false });
  let p = cdOffset;
  const end = cdOffset + cdSize;
  for (let i = 0; i < count; i++) {
    if (p + 46 > end || dv.getUint32(p, true) !== SIG_CENTRAL) bad(`central directory entry ${i} is corrupt`);
    const method = dv.getUint16(p + 10, true);
    const crc = dv.getUint32(p + 16, true);
    let csize = dv.getUint32(p + 20, true);
    let usize = dv.getUint32(p + 24, true);
    const nlen = dv.getUint16(p + 28, true);
    const elen = dv.getUint16(p + 30, true);
    const clen = dv.getUint16(p + 32, true);
    let local = dv.getUint32(p + 42, true);
    if (p + 46 + nlen + elen + clen > end) bad(`central directory entry ${i} overruns the directory`);
    const name = dec.decode(buf.subarray(p + 46, p + 46 + nlen));
    // zip64 extended information: present fields follow the order usize, csize, local.
    let e = p + 46 + nlen;
    const eEnd = e + elen;
    while (e + 4 <= eEnd) {
      const id = dv.getUint16(e, true);
      const sz = dv.getUint16(e + 2, true);
      if (e + 4 + sz > eEnd) bad(`extra field of '${name}' overruns`);
      if (id === 0x0001) {
        let q = e + 4;
        const take = (what: string): number => {
          if (q + 8 > e + 4 + sz) bad(`zip64 field of '${name}' too short`);
          const v = u64(dv, q, file, what);
          q += 8;
          return v;
        };
        if (usize === 0xffffffff) usize = take('entry size');
        if (csize === 0xffffffff) csize = take('entry size');
        if (local === 0xffffffff) local = take('entry offset');
      }
      e += 4 + sz;
    }
    if (method !== 0) bad(`entry '${name}' is compressed (method ${method}); torch archives store entries uncompressed`);
    if (csize !== usize) bad(`entry '${name}' sizes disagree (${csize} vs ${usize})`);
    if (local + 30 > len || dv.getUint32(local, true) !== SIG_LOCAL) bad(`local header of '${name}' missing at ${local}`);
    const dataOffset = local + 30 + dv.getUint16(local + 26, true) + dv.getUint16(local + 28, true);
    if (dataOffset + usize > len) {
      bad(`entry '${name}' data [${dataOffset}, +${usize}) lies beyond the end of the file (${len} bytes; truncated?)`);
    }
    entries.set(name, { name, dataOffset, size: usize, crc32: crc });
    p += 46 + nlen + elen + clen;
  }
  return entries;
}

// ---- CRC-32 (IEEE) ---------------------------------------------------------

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(data: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = CRC_TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

// ---- writer ----------------------------------------------------------------

export interface ZipWriteEntry {
  name: string;
  data: Uint8Array;
}

/**
 * Writes a STORED zip like torch's PyTorchStreamWriter: each local header
 * carries an 'FB' extra field of 'Z' padding so the entry data starts on a
 * multiple of `align` bytes (64 in torch). Returns the archive as chunks.
 */
export function writeZip(entries: ZipWriteEntry[], align = 64): Uint8Array[] {
  const enc = new TextEncoder();
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let pos = 0;
  for (const ent of entries) {
    const name = enc.encode(ent.name);
    const start = pos + 30 + name.length + 4;
    const pad = (align - (start % align)) % align;
    const hdr = new Uint8Array(30 + name.length + 4 + pad);
    const dv = new DataView(hdr.buffer);
    const crc = crc32(ent.data);
    const size = ent.data.byteLength;
    if (pos > 0xfffffffe || size > 0xfffffffe) throw new Error('archives over 4 GiB (zip64) are not supported by the writer');
    dv.setUint32(0, SIG_LOCAL, true);
    dv.setUint16(4, 20, true); // version needed
    dv.setUint16(6, 0x0800, true); // UTF-8 names
    dv.setUint16(8, 0, true); // STORED
    dv.setUint32(10, 0, true); // dos time/date
    dv.setUint32(14, crc, true);
    dv.setUint32(18, size, true);
    dv.setUint32(22, size, true);
    dv.setUint16(26, name.length, true);
    dv.setUint16(28, 4 + pad, true);
    hdr.set(name, 30);
    const x = 30 + name.length;
    hdr[x] = 0x46; // 'F'
    hdr[x + 1] = 0x42; // 'B'
    dv.setUint16(x + 2, pad, true);
    hdr.fill(0x5a, x + 4); // 'Z'
    const cen = new Uint8Array(46 + name.length);
    const cv = new DataView(cen.buffer);
    cv.setUint32(0, SIG_CENTRAL, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0x0800, true);
    cv.setUint16(10, 0, true);
    cv.setUint32(12, 0, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, size, true);
    cv.setUint32(24, size, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, pos, true);
    cen.set(name, 46);
    central.push(cen);
    chunks.push(hdr, ent.data);
    pos += hdr.byteLength + size;
  }
  const cdOffset = pos;
  let cdSize = 0;
  for (const c of central) {
    chunks.push(c);
    cdSize += c.byteLength;
  }
  const eocd = new Uint8Array(22);
  const ev = new DataView(eocd.buffer);
  ev.setUint32(0, SIG_EOCD, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, cdSize, true);
  ev.setUint32(16, cdOffset, true);
  chunks.push(eocd);
  return chunks;
}
