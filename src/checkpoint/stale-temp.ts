/**
 * Removing the temp files `writeFileAtomic` leaves behind when its process
 * is killed mid-write (`.<name>.<pid>.<n>.tmp`, hundreds of MB each with a
 * real model). Only files whose writer is gone are removed: the pid must be
 * dead on this machine and the file untouched for a while (a writer on
 * another machine sharing the folder keeps its file fresh while it writes).
 */
import * as fs from 'fs';
import * as path from 'path';

const TEMP_NAME = /^\..+\.(\d+)\.\d+\.tmp$/;

/** Files younger than this are kept even when their pid looks dead. */
export const STALE_TEMP_MIN_AGE_MS = 60_000;

function pidAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes stale atomic-write temp files in `dir`; returns the paths removed. */
export function removeStaleTempFiles(dir: string, opts: { minAgeMs?: number; now?: number } = {}): string[] {
  const minAge = opts.minAgeMs ?? STALE_TEMP_MIN_AGE_MS;
  const now = opts.now ?? Date.now();
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const removed: string[] = [];
  for (const name of names) {
    const m = TEMP_NAME.exec(name);
    if (!m) continue;
    const file = path.join(dir, name);
    try {
      const st = fs.statSync(file);
      if (!st.isFile() || now - st.mtimeMs < minAge || pidAlive(Number(m[1]))) continue;
      fs.rmSync(file, { force: true });
      removed.push(file);
    } catch {
      // raced with another cleaner or the writer's own rename: nothing to do
    }
  }
  return removed;
}
