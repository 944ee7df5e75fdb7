/**
 * `--cfg-options a.b=1 c.0.d=x`: dotted overrides of the loaded config.
 *
 * Values are parsed JSON-style: numbers, `true`/`false`, `null`, quoted
 * strings, `[..]` lists, `{..}` dicts; anything else is a bare string. Python
 * spellings (`True`, `False`, `None`, `(a, b)`) are accepted too, and lists may
 * hold bare strings (`[a, b]`). Whitespace is allowed around keys and values
 * and inside lists/dicts. Numeric path segments index into lists. A dict value
 * merges into an existing dict (like MMCV's `merge_from_dict`); anything else
 * replaces.
 */
import { ConfigMergeError, FORBIDDEN_KEYS, checkConfigKeys, mergeConfig, type Dict, isDict } from './merge';

export class CfgOptionsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CfgOptionsError';
  }
}

/** One override: path segments and the parsed value. */
export interface CfgOption {
  key: string;
  value: unknown;
}

/**
 * Parses `key=value` tokens. A token without `=` continues the previous value
 * (so `a=[1, 2]` split by the shell into `a=[1,` and `2]` still works).
 */
export function parseCfgOptions(tokens: string[]): CfgOption[] {
  const pairs: Array<{ key: string; raw: string }> = [];
  for (const tok of tokens) {
    const eq = tok.indexOf('=');
    const last = pairs[pairs.length - 1];
    if (eq < 0 || (last && bracketDepth(last.raw) > 0)) {
      if (!last) throw new CfgOptionsError(`--cfg-options: '${tok}' is not of the form key=value`);
      last.raw += ` ${tok}`;
      continue;
    }
    const key = tok.slice(0, eq).trim();
    if (!key || key.split('.').some((s) => s.trim() === '')) {
      throw new CfgOptionsError(`--cfg-options: '${tok}' has an empty key or an empty path segment`);
    }
    const segs = key.split('.').map((s) => s.trim());
    const bad = segs.find((s) => FORBIDDEN_KEYS.has(s));
    if (bad) throw new CfgOptionsError(`--cfg-options ${key}: the key '${bad}' is not allowed (${[...FORBIDDEN_KEYS].join(', ')} are reserved)`);
    pairs.push({ key: segs.join('.'), raw: tok.slice(eq + 1) });
  }
  return pairs.map(({ key, raw }) => {
    try {
      const value = parseOptionValue(raw);
      checkConfigKeys(value, key);
      return { key, value };
    } catch (e) {
      if (e instanceof ConfigMergeError) throw new CfgOptionsError(`--cfg-options ${key}: ${e.message}`);
      throw new CfgOptionsError(`--cfg-options ${key}=${raw}: ${(e as Error).message}`);
    }
  });
}

function bracketDepth(s: string): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if ('[({'.includes(c)) depth++;
    else if ('])}'.includes(c)) depth--;
  }
  return depth;
}

/** Splits on commas (or `sep`) that are not nested in brackets or quotes. */
function splitTop(s: string, sep = ','): string[] {
  const out: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if ('[({'.includes(c)) depth++;
    else if ('])}'.includes(c)) depth--;
    else if (c === sep && depth === 0) {
      out.push(s.slice(start, i));
      start = i + 1;
    }
  }
  if (depth !== 0 || quote) throw new Error(`unbalanced ${quote ? 'quote' : 'brackets'} in '${s}'`);
  out.push(s.slice(start));
  return out;
}

const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/**
 * A `key=value` value as mmcv's DictAction reads it: top-level commas make a
 * list (`a,b` -> ['a', 'b'], `1,2` -> [1, 2]); otherwise {@link parseValue}.
 */
export function parseOptionValue(raw: string): unknown {
  const parts = splitTop(raw.trim());
  if (parts.length > 1 && parts[parts.length - 1].trim() === '') parts.pop(); // `a,` is a one-item list
  return parts.length > 1 || raw.trim().endsWith(',') ? parts.map((p) => parseValue(p)) : parseValue(raw);
}

/** Parses one value with the rules above. */
export function parseValue(raw: string): unknown {
  const s = raw.trim();
  if (s === '') return '';
  const open = s[0];
  const close = s[s.length - 1];
  if ('[({'.includes(open) && bracketDepth(s) !== 0) throw new Error(`unbalanced brackets in '${s}'`);
  if ((open === '[' && close === ']') || (open === '(' && close === ')')) {
    const inner = s.slice(1, -1).trim();
    if (inner === '') return [];
    const parts = splitTop(inner);
    if (parts.length > 1 && parts[parts.length - 1].trim() === '') parts.pop(); // trailing comma: (a,)
    return parts.map((p) => parseValue(p));
  }
  if (open === '{' && close === '}') {
    try {
      return JSON.parse(s);
    } catch {
      // relaxed: {a: 1, 'b': [x, y]}
    }
    const inner = s.slice(1, -1).trim();
    const out: Dict = {};
    if (inner === '') return out;
    for (const part of splitTop(inner)) {
      if (part.trim() === '') continue;
      const colon = splitTop(part, ':');
      if (colon.length < 2) throw new Error(`'${part.trim()}' in a dict needs 'key: value'`);
      const k = String(parseValue(colon[0]));
      if (FORBIDDEN_KEYS.has(k)) throw new Error(`the key '${k}' is not allowed (${[...FORBIDDEN_KEYS].join(', ')} are reserved)`);
      out[k] = parseValue(colon.slice(1).join(':'));
    }
    return out;
  }
  if (open === '"' && close === '"' && s.length >= 2) {
    try {
      return JSON.parse(s);
    } catch {
      return s.slice(1, -1);
    }
  }
  if (open === "'" && close === "'" && s.length >= 2) return s.slice(1, -1).replace(/\\'/g, "'");
  if (NUMBER.test(s)) return Number(s);
  if (s === 'true' || s === 'True') return true;
  if (s === 'false' || s === 'False') return false;
  // `none` stays a string (mmcv: only `None` is None), e.g. average_mode=none
  if (s === 'null' || s === 'None') return null;
  return s;
}

/**
 * Applies overrides to a copy of `cfg`. Missing dict keys along the path are
 * created; list indices must exist; a path through a scalar is an error.
 */
export function applyCfgOptions(cfg: Dict, options: CfgOption[]): Dict {
  let out = cfg;
  for (const { key, value } of options) {
    const segs = key.split('.');
    // Build {a: {b: {0: {c: value}}}} and merge it with list keys allowed (MMCV merge_from_dict).
    let nested: unknown = value;
    for (let i = segs.length - 1; i >= 0; i--) nested = { [segs[i]]: nested };
    checkPath(out, segs, key);
    try {
      out = mergeConfig(out, nested as Dict, { allowListKeys: true });
    } catch (e) {
      if (e instanceof ConfigMergeError) throw new CfgOptionsError(`--cfg-options ${key}: ${e.message}`);
      throw e;
    }
  }
  return out;
}

/** Clear errors for paths that go through scalars or past list ends. */
function checkPath(cfg: Dict, segs: string[], key: string): void {
  let cur: unknown = cfg;
  for (let i = 0; i < segs.length - 1; i++) {
    const seg = segs[i];
    const here = segs.slice(0, i + 1).join('.');
    if (Array.isArray(cur)) {
      if (!/^\d+$/.test(seg)) throw new CfgOptionsError(`--cfg-options ${key}: ${segs.slice(0, i).join('.')} is a list; '${seg}' is not an index`);
      if (Number(seg) >= cur.length) {
        throw new CfgOptionsError(`--cfg-options ${key}: index ${seg} is out of range (${segs.slice(0, i).join('.')} has ${cur.length} items)`);
      }
      cur = cur[Number(seg)];
    } else if (isDict(cur)) {
      cur = cur[seg];
      if (cur === undefined || cur === null) return; // created by the merge
      if (!isDict(cur) && !Array.isArray(cur)) {
        throw new CfgOptionsError(`--cfg-options ${key}: ${here} is ${JSON.stringify(cur)}, not a dict or list, so it has no '${segs[i + 1]}'`);
      }
    } else return;
  }
  if (Array.isArray(cur)) {
    const last = segs[segs.length - 1];
    if (!/^\d+$/.test(last)) throw new CfgOptionsError(`--cfg-options ${key}: ${segs.slice(0, -1).join('.')} is a list; '${last}' is not an index`);
    if (Number(last) >= cur.length) {
      throw new CfgOptionsError(`--cfg-options ${key}: index ${last} is out of range (${segs.slice(0, -1).join('.')} has ${cur.length} items)`);
    }
  }
}
