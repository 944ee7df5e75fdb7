/**
 * `latest` pointers: a small text file naming a sibling checkpoint (what the
 * runner writes as `<work_dir>/latest`). Every reader of a checkpoint path
 * follows them, so `work_dir/latest` (or the work dir itself) works wherever
 * a checkpoint is expected.
 */
import * as fs from 'fs';
import * as path from 'path';
import { CheckpointError } from './errors';

/** Pointer files are one short line; anything bigger is a checkpoint. */
const MAX_POINTER_BYTES = 1024;

/** The checkpoint a pointer file names, or undefined when `file` is not a pointer. */
function followPointer(file: string): string | undefined {
  const st = fs.statSync(file);
  if (!st.isFile() || st.size >= MAX_POINTER_BYTES) return undefined;
  const text = fs.readFileSync(file, 'utf8').trim();
  if (!text || /[\0\n]/.test(text)) return undefined;
  const target = path.resolve(path.dirname(file), text);
  return target !== path.resolve(file) && fs.existsSync(target) ? target : undefined;
}

/**
 * Resolves `p` to a checkpoint file: a pointer file is followed, a directory
 * holding a `latest` pointer resolves through it. Throws a CheckpointError
 * naming `p` when nothing is there.
 */
export function resolveCheckpointPath(p: string): string {
  if (!fs.existsSync(p)) throw new CheckpointError(p, 'cannot read checkpoint: no such file');
  if (fs.statSync(p).isDirectory()) {
    const pointer = path.join(p, 'latest');
    const target = fs.existsSync(pointer) ? followPointer(pointer) : undefined;
    if (!target) throw new CheckpointError(p, "is a directory without a valid 'latest' pointer; give a checkpoint file");
    return target;
  }
  if (path.basename(p) === 'latest') {
    const target = followPointer(p);
    if (!target) throw new CheckpointError(p, "'latest' pointer names no existing checkpoint");
    return target;
  }
  return followPointer(p) ?? p;
}
