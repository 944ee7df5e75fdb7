/**
 * Reads a `torch.save` zip archive (torch >= 1.6) into plain JS values:
 * dict/OrderedDict → Map, list/tuple → Array, tensor → TensorData (always a
 * contiguous copy, so strided and shared-storage tensors come out
 * independent). The state_dict `_metadata` attribute is available through
 * `getPyAttributes(map)`.
 */
import * as fs from 'fs';
import { CheckpointError, withCheckpointErrors } from '../errors';
import { DTYPE_ITEMSIZE } from '../tensor-data';
import { isLegacyTorch, readLegacyPth } from './legacy';
import { readZipEntries, crc32, ZipEntry } from './zip';
import { describePy, PickleLimits, PyGlobal, unpickle } from './pickle';
import { RebuildLimits, defaultLimits, storageDTypeOf, StorageRef, torchBuild, torchGlobals } from './torch-globals';

export interface PthReadOptions {
  /** See RebuildLimits.maxExpandedElements (default 2^26). */
  maxExpandedElements?: number;
  /** See RebuildLimits.maxTotalBytes (default 4 × file size + 256 MiB). */
  maxTotalBytes?: number;
  /** Budgets of the pickle interpreter (default DEFAULT_PICKLE_LIMITS). */
  pickle?: Partial<PickleLimits>;
}

function limitsFor(buf: Uint8Array, opts: PthReadOptions): RebuildLimits {
  const l = defaultLimits(buf.byteLength, opts.maxExpandedElements);
  if (opts.maxTotalBytes !== undefined) l.maxTotalBytes = opts.maxTotalBytes;
  l.pickle = opts.pickle;
  return l;
}

function isZip(buf: Uint8Array): boolean {
  return buf.byteLength >= 4 && buf[0] === 0x50 && buf[1] === 0x4b && buf[2] === 0x03 && buf[3] === 0x04;
}

function isTar(buf: Uint8Array): boolean {
  return buf.byteLength > 262 && new TextDecoder('latin1').decode(buf.subarray(257, 262)) === 'ustar';
}

/** Finds `<prefix>/data.pkl`; returns the prefix (with its trailing slash). */
function findPrefix(entries: Map<string, ZipEntry>, file: string): string {
  const cands = [...entries.keys()].filter((k) => k === 'data.pkl' || k.endsWith('/data.pkl'));
  if (cands.length === 0) throw new CheckpointError(file, 'zip archive has no data.pkl: not a torch checkpoint');
  cands.sort((a, b) => a.length - b.length);
  return cands[0].slice(0, cands[0].length - 'data.pkl'.length);
}

export function readPthBuffer(buf: Uint8Array, file: string, opts: PthReadOptions = {}): unknown {
  return withCheckpointErrors(file, () => readPthUnchecked(buf, file, opts));
}

function readPthUnchecked(buf: Uint8Array, file: string, opts: PthReadOptions): unknown {
  if (!isZip(buf)) {
    if (isLegacyTorch(buf)) return readLegacyPth(buf, file, limitsFor(buf, opts));
    if (buf.byteLength >= 2 && buf[0] === 0x80 && buf[1] <= 5) {
      throw new CheckpointError(file, 'a bare pickle is not a torch checkpoint (and only torch formats are read)');
    }
    if (isTar(buf)) throw new CheckpointError(file, 'the tar torch format (torch < 0.4) is not supported; re-save it with a newer torch');
    throw new CheckpointError(file, 'not a torch checkpoint (no zip signature)');
  }
  const entries = readZipEntries(buf, file);
  const prefix = findPrefix(entries, file);
  const pklEntry = entries.get(`${prefix}data.pkl`)!;
  const pkl = buf.subarray(pklEntry.dataOffset, pklEntry.dataOffset + pklEntry.size);
  if (crc32(pkl) !== pklEntry.crc32) throw new CheckpointError(file, `${pklEntry.name} is corrupt (CRC mismatch)`);
  const bo = entries.get(`${prefix}byteorder`);
  const bigEndian = bo ? new TextDecoder().decode(buf.subarray(bo.dataOffset, bo.dataOffset + bo.size)).trim() === 'big' : false;

  const storages = new Map<string, StorageRef>();
  const persistentLoad = (pid: unknown): StorageRef => {
    if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage') {
      throw new CheckpointError(file, `unsupported persistent id in ${pklEntry.name}`);
    }
    const [, cls, key, , numel] = pid;
    const clsName = cls instanceof PyGlobal ? cls.qualname : '';
    const dtype = storageDTypeOf(clsName);
    if (!dtype) throw new CheckpointError(file, `persistent id names '${clsName || describePy(cls)}', not a torch storage class`);
    if (typeof key !== 'string') throw new CheckpointError(file, 'storage key is not a string');
    const cached = storages.get(key);
    if (cached) {
      if (cached.dtype !== dtype) throw new CheckpointError(file, `storage '${key}' is used as ${cached.dtype} and ${dtype}`);
      return cached;
    }
    const ent = entries.get(`${prefix}data/${key}`);
    if (!ent) throw new CheckpointError(file, `storage '${key}' has no entry ${prefix}data/${key}`);
    const item = DTYPE_ITEMSIZE[dtype];
    if (typeof numel !== 'number' || !Number.isSafeInteger(numel) || numel < 0 || numel * item > ent.size) {
      throw new CheckpointError(
        file,
        `storage '${key}' declares ${describePy(numel)} ${dtype} elements but ${ent.name} holds ${ent.size} bytes`,
      );
    }
    let bytes = buf.subarray(ent.dataOffset, ent.dataOffset + numel * item);
    if (bigEndian && item > 1) {
      bytes = bytes.slice();
      for (let i = 0; i < bytes.length; i += item) bytes.subarray(i, i + item).reverse();
    }
    const ref = new StorageRef(key, dtype, numel, bytes);
    storages.set(key, ref);
    return ref;
  };
  const limits = limitsFor(buf, opts);
  return unpickle(pkl, {
    file,
    where: pklEntry.name,
    limits: limits.pickle,
    allowedGlobals: torchGlobals(limits),
    persistentLoad,
    build: torchBuild,
  });
}

/** Reads a `.pth`/`.pt` file written by `torch.save` (zip format). */
export function readPth(file: string, opts: PthReadOptions = {}): unknown {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new CheckpointError(file, `cannot read: ${(e as Error).message}`);
  }
  return readPthBuffer(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), file, opts);
}
