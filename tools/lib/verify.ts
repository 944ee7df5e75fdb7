/**
 * Checking a downloaded checkpoint before use: sha256 (in full, or the
 * 8+ hex digits that published file names carry, `APViT_RAF-3eeecf7d.pth`)
 * and its tensors' keys and shapes against the model built from a config.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export async function sha256File(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of fs.createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** The hash prefix of a published name (`name-<hex8+>.pth`, the mmcv/torch hub convention), if any. */
export function hashInName(file: string): string | undefined {
  return /-([0-9a-f]{8,64})\.[a-z]+$/.exec(path.basename(file))?.[1];
}

export interface KeyReport {
  matched: number;
  missing: string[];
  unexpected: string[];
  /** Differences the official loading code has too (reported, not failures). */
  expectedMissing: string[];
  expectedUnexpected: string[];
  shapeMismatch: Array<{ key: string; file: number[]; model: number[] }>;
}

/** Compares the file's tensors with the model's; keys matching `allow` patterns are listed apart. */
export function compareKeys(
  model: Map<string, number[]>,
  file: Map<string, number[]>,
  allow: { missing?: RegExp[]; unexpected?: RegExp[] } = {},
): KeyReport {
  const r: KeyReport = { matched: 0, missing: [], unexpected: [], expectedMissing: [], expectedUnexpected: [], shapeMismatch: [] };
  for (const [k, shape] of model) {
    const got = file.get(k);
    if (!got) (allow.missing?.some((re) => re.test(k)) ? r.expectedMissing : r.missing).push(k);
    else if (got.length !== shape.length || got.some((d, i) => d !== shape[i])) r.shapeMismatch.push({ key: k, file: got, model: shape });
    else r.matched++;
  }
  for (const k of file.keys()) if (!model.has(k)) (allow.unexpected?.some((re) => re.test(k)) ? r.expectedUnexpected : r.unexpected).push(k);
  return r;
}

export function reportOk(r: KeyReport): boolean {
  return !r.missing.length && !r.unexpected.length && !r.shapeMismatch.length;
}

/** Human-readable lines: the differences, named (at most `limit` per kind; 0: all). */
export function formatKeyReport(r: KeyReport, limit = 0): string[] {
  const out: string[] = [];
  const cut = <T>(xs: T[]) => (limit > 0 && xs.length > limit ? xs.slice(0, limit) : xs);
  const more = (n: number) => (limit > 0 && n > limit ? [`  ... and ${n - limit} more (--max-list 0 lists all)`] : []);
  const list = (title: string, keys: string[]) => {
    if (keys.length) out.push(`${title} (${keys.length}):`, ...cut(keys).map((k) => `  ${k}`), ...more(keys.length));
  };
  list('missing from the file (the model has them)', r.missing);
  list('unexpected in the file (the model does not have them)', r.unexpected);
  if (r.shapeMismatch.length) {
    out.push(`shape mismatches (${r.shapeMismatch.length}):`, ...cut(r.shapeMismatch).map((m) => `  ${m.key}: file [${m.file.join(', ')}], model [${m.model.join(', ')}]`), ...more(r.shapeMismatch.length));
  }
  list('missing, as with the official code (left at their initial values)', r.expectedMissing);
  list('unexpected, as with the official code (not used)', r.expectedUnexpected);
  return out;
}
