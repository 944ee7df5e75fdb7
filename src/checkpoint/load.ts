/**
 * Reading, loading and saving checkpoints in either format:
 * - `.pth`/`.pt` written by torch (mmcv container `{meta, state_dict,
 *   optimizer}` or a plain state_dict), read with the restricted unpickler;
 * - our format, `.safetensors` (see format.ts).
 * The format is chosen by the file's magic bytes, not its name.
 */
import * as fs from 'fs';
import * as path from 'path';
import type { tf } from '../tf';
import { writeFileAtomic, type AtomicData } from './atomic';
import { CheckpointError, withCheckpointErrors } from './errors';
import { resolveCheckpointPath } from './latest';
import { CheckpointMeta, decodeOurCheckpoint, encodeOurCheckpoint } from './format';
import { toJsonValue } from './json-value';
import { PyOrderedDict, pyKeyString } from './pth/pickle';
import { readPthBuffer } from './pth/read';
import { encodePth } from './pth/write';
import { looksLikeSafetensors, readSafetensorsBuffer } from './safetensors';
import { TensorData, fromTfTensor, isTensorData } from './tensor-data';

export type ReviseKeys = Array<[RegExp | string, string]>;

/** mmcv's default: strip a DataParallel/DistributedDataParallel wrapper prefix. */
export const DEFAULT_REVISE_KEYS: ReviseKeys = [[/^module\./, '']];

export interface ReadCheckpointOptions {
  /** (pattern, replacement) applied to every key, like mmcv `revise_keys` (re.sub: all matches). */
  reviseKeys?: ReviseKeys;
  /** mmcv spelling of `reviseKeys` (used when `reviseKeys` is not given). */
  revise_keys?: ReviseKeys;
  /**
   * Container keys holding the state_dict, tried in order (default
   * ['state_dict']); timm files use ['model', 'state_dict'].
   */
  unwrap?: string[];
}

export interface CheckpointContents {
  file: string;
  format: 'pth' | 'safetensors';
  /** Tensors only, keys revised, in file order. */
  stateDict: Map<string, TensorData>;
  meta: CheckpointMeta;
  /** torch: the raw unpickled optimizer state; ours: the saved optimizer state. */
  optimizer?: unknown;
  /** Keys of the state_dict level that were not tensors (skipped). */
  ignoredKeys: string[];
}

function get(container: unknown, key: string): unknown {
  if (container instanceof Map) return container.get(key);
  if (container && typeof container === 'object' && !Array.isArray(container)) return (container as Record<string, unknown>)[key];
  return undefined;
}

function entriesOf(container: unknown): Array<[string, unknown]> | undefined {
  if (container instanceof Map) return [...container.entries()].map(([k, v]) => [pyKeyString(k), v]);
  if (container && typeof container === 'object' && !Array.isArray(container) && !isTensorData(container)) {
    return Object.entries(container);
  }
  return undefined;
}

export function reviseKeys<T>(sd: Map<string, T>, revise: ReviseKeys, file: string): Map<string, T> {
  if (!revise.length) return sd;
  const res = revise.map(([p, r]) => [typeof p === 'string' ? new RegExp(p, 'g') : new RegExp(p.source, p.flags.includes('g') ? p.flags : `${p.flags}g`), r] as const);
  const out = new Map<string, T>();
  for (const [k, v] of sd) {
    let nk = k;
    for (const [re, r] of res) nk = nk.replace(re, r);
    if (out.has(nk)) throw new CheckpointError(file, `revised keys collide: '${k}' becomes '${nk}', which already exists`);
    out.set(nk, v);
  }
  return out;
}

function readHead(file: string): Uint8Array {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new CheckpointError(file, `cannot read checkpoint: ${(e as Error).message}`);
  }
  return new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
}

/** Reads either format into `{ stateDict, meta, optimizer }`. */
export function readCheckpoint(given: string, opts: ReadCheckpointOptions = {}): CheckpointContents {
  const file = resolveCheckpointPath(given);
  return withCheckpointErrors(file, () => readResolved(file, opts));
}

function readResolved(file: string, opts: ReadCheckpointOptions): CheckpointContents {
  const buf = readHead(file);
  const revise = opts.reviseKeys ?? opts.revise_keys ?? DEFAULT_REVISE_KEYS;
  if (looksLikeSafetensors(buf)) {
    const ck = decodeOurCheckpoint(readSafetensorsBuffer(buf, file), file);
    return {
      file,
      format: 'safetensors',
      stateDict: reviseKeys(ck.stateDict, revise, file),
      meta: ck.meta,
      optimizer: ck.optimizer,
      ignoredKeys: [],
    };
  }
  const root = readPthBuffer(buf, file);
  const unwrap = opts.unwrap ?? ['state_dict'];
  let sdObj: unknown = root;
  let isContainer = false;
  for (const k of unwrap) {
    const inner = get(root, k);
    if (inner !== undefined && entriesOf(inner)) {
      sdObj = inner;
      isContainer = true;
      break;
    }
  }
  const entries = entriesOf(sdObj);
  if (!entries) throw new CheckpointError(file, 'checkpoint holds neither a state_dict nor a dict of tensors');
  const stateDict = new Map<string, TensorData>();
  const ignoredKeys: string[] = [];
  for (const [k, v] of entries) {
    if (isTensorData(v)) stateDict.set(k, v);
    else ignoredKeys.push(k);
  }
  if (stateDict.size === 0) {
    const top = (entriesOf(root) ?? []).map(([k]) => k);
    throw new CheckpointError(
      file,
      `no tensors found (top-level keys: ${top.slice(0, 20).join(', ') || 'none'}; state_dict looked up under: ${unwrap.join(', ')})`,
    );
  }
  const metaRaw = isContainer ? get(root, 'meta') : undefined;
  const meta = (metaRaw === undefined ? {} : toJsonValue(metaRaw, `${file}: meta`)) as CheckpointMeta;
  const optimizer = isContainer ? get(root, 'optimizer') : undefined;
  return {
    file,
    format: 'pth',
    stateDict: reviseKeys(stateDict, revise, file),
    meta: meta && typeof meta === 'object' && !Array.isArray(meta) ? meta : { value: meta },
    optimizer,
    ignoredKeys,
  };
}

// ---- loading into a module ----------------------------------------------------

/** Same shape as `LoadReport` in src/nn/module.ts. */
export interface StateDictLoadReport {
  missing: string[];
  unexpected: string[];
  shapeMismatch: Array<{ key: string; expected: number[]; got: number[] }>;
}

/** What loadCheckpointIntoModule needs from a module (src/nn/module.ts `Module`). */
export interface StateDictLoadable {
  loadStateDict(sd: Map<string, TensorData | tf.Tensor>, opts?: { strict?: boolean }): StateDictLoadReport;
}

export interface LoadIntoModuleOptions extends ReadCheckpointOptions {
  /** Throw when any key is missing, unexpected or mis-shaped (default false, like mmcv). */
  strict?: boolean;
  /** Load only keys under `prefix.` with the prefix stripped (mmcv `prefix`). */
  prefix?: string;
  /** Where the report goes (default console.warn; only called when the report is not empty). */
  logger?: (msg: string) => void;
}

export function isEmptyReport(r: StateDictLoadReport): boolean {
  return !r.missing.length && !r.unexpected.length && !r.shapeMismatch.length;
}

/** mmcv-style text of a load report. */
export function describeLoadReport(r: StateDictLoadReport, source: string): string {
  const lines: string[] = [];
  if (r.unexpected.length) lines.push(`unexpected key in source state_dict: ${r.unexpected.join(', ')}`);
  if (r.missing.length) lines.push(`missing keys in source state_dict: ${r.missing.join(', ')}`);
  for (const m of r.shapeMismatch) {
    lines.push(
      `size mismatch for ${m.key}: copying a param with shape [${m.got.join(', ')}] from checkpoint, ` +
        `the shape in current model is [${m.expected.join(', ')}].`,
    );
  }
  return lines.length ? `The model and loaded state dict do not match exactly (${source})\n${lines.join('\n')}` : '';
}

export function selectPrefix<T>(sd: Map<string, T>, prefix: string, file: string): Map<string, T> {
  const p = prefix.endsWith('.') ? prefix : `${prefix}.`;
  const out = new Map<string, T>();
  for (const [k, v] of sd) if (k.startsWith(p)) out.set(k.slice(p.length), v);
  if (!out.size) throw new CheckpointError(file, `no keys start with the prefix '${p}'`);
  return out;
}

/**
 * Loads a state dict into a module, logs the report (unless empty) and, when
 * strict, throws on any mismatch.
 */
export function loadStateDictInto(
  module: StateDictLoadable,
  sd: Map<string, TensorData | tf.Tensor>,
  source: string,
  opts: { strict?: boolean; logger?: (msg: string) => void } = {},
): StateDictLoadReport {
  const strict = opts.strict ?? false;
  const report = module.loadStateDict(sd, { strict });
  if (!isEmptyReport(report)) {
    const text = describeLoadReport(report, source);
    if (strict) throw new CheckpointError(source, text);
    (opts.logger ?? console.warn)(text);
  }
  return report;
}

export interface LoadResult {
  report: StateDictLoadReport;
  meta: CheckpointMeta;
  optimizer?: unknown;
  format: 'pth' | 'safetensors';
}

/** mmcv `load_checkpoint(model, filename, strict=False, revise_keys=[('^module\\.', '')])`. */
export function loadCheckpointIntoModule(module: StateDictLoadable, file: string, opts: LoadIntoModuleOptions = {}): LoadResult {
  const ck = readCheckpoint(file, opts);
  const sd = opts.prefix ? selectPrefix(ck.stateDict, opts.prefix, file) : ck.stateDict;
  const report = loadStateDictInto(module, sd, file, opts);
  return { report, meta: ck.meta, optimizer: ck.optimizer, format: ck.format };
}

// ---- saving ---------------------------------------------------------------------

export interface SaveCheckpointArgs {
  stateDict: Map<string, TensorData | tf.Tensor>;
  meta?: CheckpointMeta;
  optimizer?: unknown;
}

function toTensorData(sd: Map<string, TensorData | tf.Tensor>): Map<string, TensorData> {
  const out = new Map<string, TensorData>();
  for (const [k, v] of sd) out.set(k, isTensorData(v) ? v : fromTfTensor(v as tf.Tensor));
  return out;
}

/**
 * Writes a checkpoint atomically. `.pth`/`.pt` → an mmcv-style torch archive
 * `{meta, state_dict, optimizer?}`; anything else → our safetensors format
 * (`.safetensors` is appended when the name has no extension). Returns the path written.
 */
/** `write` puts the encoded bytes in place atomically (default: the local disk; a run passes its `FILE_IO`). */
export function saveCheckpoint(file: string, args: SaveCheckpointArgs, write: (file: string, data: AtomicData) => void = writeFileAtomic): string {
  const stateDict = toTensorData(args.stateDict);
  const ext = path.extname(file).toLowerCase();
  if (ext === '.pth' || ext === '.pt') {
    const sd = new PyOrderedDict<string, TensorData>(stateDict);
    const container: Record<string, unknown> = { meta: toJsonValue(args.meta ?? {}, 'meta'), state_dict: sd };
    if (args.optimizer !== undefined) container.optimizer = args.optimizer;
    write(file, encodePth(container, path.basename(file, ext) || 'archive'));
    return file;
  }
  const out = ext ? file : `${file}.safetensors`;
  write(out, encodeOurCheckpoint({ stateDict, meta: args.meta ?? {}, optimizer: args.optimizer }));
  return out;
}


