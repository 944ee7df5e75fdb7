/**
 * Removing the temp files `writeFileAtomic` leaves behind when its process
 * is killed mid-write (`.<name>.<pid>.<n>.tmp`, hundreds of MB each with a
 * real model). The writer's pid is in the name, so a file is removed exactly
 * when that process is gone, whatever the file's age, and never while its
 * writer runs. A pid the system has since given to a new process does not
 * keep a file: on Linux the process must have started before the file was
 * last written to be its writer.
 *
 * The pid is one of this machine's: with a work dir on a shared filesystem,
 * only one machine at a time may run in it (the distributed runner writes
 * and cleans on rank 0 only).
 */
import * as fs from 'fs';
import * as path from 'path';

const TEMP_NAME = /^\..+\.(\d+)\.\d+\.tmp$/;

/**
 * Slack between a process's start time and a file's mtime: `/proc/stat`'s
 * boot time has whole seconds, and it moves when the clock is adjusted.
 */
const START_TIME_SLACK_MS = 2000;

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ, fixed at 100 in Linux's user ABI). */
const USER_HZ = 100;

let bootTimeMs: number | null | undefined;

function readBootTimeMs(): number | null {
  if (bootTimeMs === undefined) {
    try {
      const m = /^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'));
      bootTimeMs = m ? Number(m[1]) * 1000 : null;
    } catch {
      bootTimeMs = null;
    }
  }
  return bootTimeMs;
}

interface ProcInfo {
  zombie: boolean;
  startMs: number | null;
}

/** State and start time of a process from `/proc/<pid>/stat`; null where there is no /proc. */
function procInfo(pid: number): ProcInfo | null {
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null;
  }
  // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so split after its last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const boot = readBootTimeMs();
  const ticks = Number(fields[19]); // field 22 of the full line: start time in clock ticks after boot
  return {
    zombie: fields[0] === 'Z' || fields[0] === 'X',
    startMs: boot !== null && Number.isFinite(ticks) ? boot + (ticks * 1000) / USER_HZ : null,
  };
}

function pidExists(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Whether the process that wrote a temp file last modified at `mtimeMs` may still be running. */
export function writerAlive(pid: number, mtimeMs: number): boolean {
  if (pid === process.pid) return true;
  if (!pidExists(pid)) return false;
  const info = procInfo(pid);
  if (info === null) return true; // no /proc (or it just exited): trust the pid alone
  if (info.zombie) return false; // killed, not yet reaped by its parent
  // a process started after the file's last write is a later owner of a recycled pid
  return info.startMs === null || info.startMs <= mtimeMs + START_TIME_SLACK_MS;
}

/** Removes the atomic-write temp files in `dir` whose writer is gone; returns the paths removed. */
export function removeStaleTempFiles(dir: string): string[] {
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
      if (!st.isFile() || writerAlive(Number(m[1]), st.mtimeMs)) continue;
      fs.rmSync(file, { force: true });
      removed.push(file);
    } catch {
      // raced with another cleaner or the writer's own rename: nothing to do
    }
  }
  return removed;
}
