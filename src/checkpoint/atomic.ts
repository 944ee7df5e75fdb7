/**
 * Atomic file writes: the data goes to `<file>.<pid>.<n>.tmp` in the same
 * directory, is fsynced, then renamed over the target, so a crash or an
 * exception mid-write never leaves a half-written file where the last good
 * one was.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { FileData } from '../contracts/services';

let counter = 0;

/** Chunks are written in order; a generator may throw to abort the write. */
export type AtomicData = FileData;

export function writeFileAtomic(file: string, data: AtomicData): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${counter++}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'w');
    if (typeof data === 'string' || data instanceof Uint8Array) {
      const b = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      writeAll(fd, b);
    } else {
      for (const chunk of data) writeAll(fd, chunk);
    }
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
  // Persist the rename itself (best effort: not every platform can fsync a directory).
  try {
    const dfd = fs.openSync(dir, 'r');
    try {
      fs.fsyncSync(dfd);
    } finally {
      fs.closeSync(dfd);
    }
  } catch {
    /* ignore */
  }
}

function writeAll(fd: number, b: Uint8Array): void {
  let off = 0;
  while (off < b.byteLength) off += fs.writeSync(fd, b, off, b.byteLength - off);
}
