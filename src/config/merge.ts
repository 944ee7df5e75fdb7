/**
 * MMCV's config merge rules:
 * - dicts merge recursively (child keys win);
 * - lists and scalars replace wholesale;
 * - `_delete_: true` in a child dict drops the base dict's keys;
 * - a child dict over a base value that is not a dict (nor null) is an error (set `_delete_`);
 * - a key defined by two sibling bases is an error naming both files.
 * Merges never modify their inputs, and `_delete_` never survives a merge.
 */
export const DELETE_KEY = '_delete_';

import { isDict, type Dict } from '../utils/dict';

export { isDict, type Dict };

export class ConfigMergeError extends Error {
  constructor(
    message: string,
    readonly configPath?: string,
  ) {
    super(message);
    this.name = 'ConfigMergeError';
  }
}

/**
 * Keys that would reach `Object.prototype` (or a constructor) through a
 * plain-object assignment; no config needs them, so they are refused.
 */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

function forbidden(key: string, here: string): ConfigMergeError {
  return new ConfigMergeError(`${here}: the key '${key}' is not allowed in a config (${[...FORBIDDEN_KEYS].join(', ')} are reserved)`, here);
}

/** Throws a ConfigMergeError naming the dotted path of the first forbidden key in `v`. */
export function checkConfigKeys(v: unknown, path = ''): void {
  const seen = new Set<object>();
  const walk = (x: unknown, at: string): void => {
    if (x === null || typeof x !== 'object' || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) x.forEach((e, i) => walk(e, join(at, String(i))));
    else if (isDict(x)) {
      for (const [k, e] of Object.entries(x)) {
        if (FORBIDDEN_KEYS.has(k)) throw forbidden(k, join(at, k));
        walk(e, join(at, k));
      }
    }
  };
  walk(v, path);
}

/** Deep copy of plain data, dropping every `_delete_` key and `undefined` value. */
export function cleanCopy<T>(v: T): T {
  if (Array.isArray(v)) return v.map((x) => cleanCopy(x)) as T;
  if (isDict(v)) {
    const out: Dict = {};
    for (const [k, x] of Object.entries(v)) {
      if (FORBIDDEN_KEYS.has(k)) throw forbidden(k, k);
      if (k !== DELETE_KEY && x !== undefined) out[k] = cleanCopy(x);
    }
    return out as T;
  }
  return v;
}

function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  return `a ${typeof v}`;
}

export interface MergeContext {
  /** Dotted path of `child` inside the whole config (for messages). */
  path?: string;
  /** The file the child comes from, and the file(s) the base came from (for messages). */
  childFile?: string;
  baseFile?: string;
  /** Let numeric keys index into base lists (used by `--cfg-options`). */
  allowListKeys?: boolean;
}

/** Merges `child` into a copy of `base` with MMCV's rules (`_merge_a_into_b`). */
export function mergeConfig(base: Dict, child: Dict, ctx: MergeContext = {}): Dict {
  return mergeInto(cleanCopy(base), child, ctx.path ?? '', ctx) as Dict;
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key;
}

function mergeInto(base: Dict | unknown[], child: Dict, path: string, ctx: MergeContext): Dict | unknown[] {
  for (const [key, value] of Object.entries(child)) {
    if (key === DELETE_KEY || value === undefined) continue;
    const here = join(path, key);
    if (FORBIDDEN_KEYS.has(key)) throw forbidden(key, here);
    if (Array.isArray(base)) {
      // Only reachable with allowListKeys (checked by the caller).
      const idx = Number(key);
      if (!/^\d+$/.test(key)) throw new ConfigMergeError(`${here}: '${key}' is not a list index (the base value at ${path} is a list)`, here);
      if (idx >= base.length) throw new ConfigMergeError(`${here}: index ${idx} is out of range (the list at ${path} has ${base.length} items)`, here);
      base[idx] = mergeValue(base[idx], value, here, ctx);
      continue;
    }
    base[key] = mergeValue(base[key], value, here, ctx, key in base);
  }
  return base;
}

function mergeValue(baseValue: unknown, value: unknown, here: string, ctx: MergeContext, present = true): unknown {
  if (!isDict(value)) return cleanCopy(value);
  // A null base ("not set") is replaced, unlike MMCV, which forces `_delete_` there too.
  if (value[DELETE_KEY] === true || !present || baseValue === undefined || baseValue === null) return cleanCopy(value);
  if (isDict(baseValue)) return mergeInto(baseValue, value, here, ctx);
  if (Array.isArray(baseValue) && ctx.allowListKeys) return mergeInto(baseValue, value, here, ctx);
  const where = ctx.childFile ? ` in ${ctx.childFile}` : '';
  const baseWhere = ctx.baseFile ? ` in ${ctx.baseFile}` : ' in the base config';
  throw new ConfigMergeError(
    `${here}: cannot merge${where}: it is a dict in the child config but ${kindOf(baseValue)}${baseWhere}; ` +
      `set ${DELETE_KEY}: true in that dict to replace the base value instead of merging into it`,
    here,
  );
}

export interface BaseSource {
  file: string;
  cfg: Dict;
}

/**
 * Union of sibling bases. A top-level key defined by two bases is an error
 * naming both files (MMCV: "Duplicate key is not allowed among bases").
 */
export function unionOfBases(bases: BaseSource[]): { cfg: Dict; origin: Map<string, string> } {
  const cfg: Dict = {};
  const origin = new Map<string, string>();
  for (const b of bases) {
    for (const [k, v] of Object.entries(b.cfg)) {
      if (v === undefined) continue;
      const prev = origin.get(k);
      if (prev !== undefined) {
        throw new ConfigMergeError(
          `duplicate key '${k}' among bases: it is defined by both ${prev} and ${b.file}; ` +
            `sibling bases must not share top-level keys (move it into one base, or set it in the child config only)`,
          k,
        );
      }
      origin.set(k, b.file);
      cfg[k] = cleanCopy(v);
    }
  }
  return { cfg, origin };
}

/**
 * List helpers for config authors (lists otherwise replace wholesale).
 * `replaceAt(basePipeline, 1, { flip_prob: 0 })` returns a copy of the list
 * with item 1 merged with the patch by the dict rules above.
 */
export function replaceAt<T>(list: readonly T[], index: number, patch: Dict): T[] {
  if (!Number.isInteger(index) || index < 0 || index >= list.length) {
    throw new ConfigMergeError(`replaceAt: index ${index} is out of range (the list has ${list.length} items)`);
  }
  const item = list[index];
  if (!isDict(item)) throw new ConfigMergeError(`replaceAt: item ${index} is ${kindOf(item)}, not a dict`);
  return list.map((x, i) => (i === index ? (mergeConfig(item, patch, { path: String(index) }) as T) : cleanCopy(x)));
}

/**
 * Keyed list merge: each patch merges into the base item whose `key` (default
 * `type`) has the same value; a patch with `_delete_: true` and nothing else
 * but the key removes that item, with other keys it replaces the item;
 * unmatched patches are appended.
 * `mergeListBy(base.train_pipeline, [{ type: 'RandomFlip', flip_prob: 0 }])`.
 */
export function mergeListBy<T>(list: readonly T[], patches: readonly Dict[], key = 'type'): T[] {
  let out = list.map((x) => cleanCopy(x));
  for (const patch of patches) {
    if (!(key in patch)) throw new ConfigMergeError(`mergeListBy: patch ${JSON.stringify(patch)} has no '${key}'`);
    const idx = out.findIndex((x) => isDict(x) && x[key] === patch[key]);
    const onlyDelete = patch[DELETE_KEY] === true && Object.keys(patch).every((k) => k === key || k === DELETE_KEY);
    if (idx < 0) {
      if (onlyDelete) throw new ConfigMergeError(`mergeListBy: no item with ${key} ${JSON.stringify(patch[key])} to delete`);
      out.push(cleanCopy(patch) as T);
    } else if (onlyDelete) {
      out = out.filter((_x, i) => i !== idx);
    } else if (patch[DELETE_KEY] === true) {
      out[idx] = cleanCopy(patch) as T; // replace the item, like _delete_ in a dict
    } else {
      out[idx] = mergeConfig(out[idx] as Dict, patch, { path: String(idx) }) as T;
    }
  }
  return out;
}
