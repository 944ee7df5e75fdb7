/**
 * The legacy (torch < 1.6, non-zip) `torch.save` format, still used by many
 * published weights (e.g. face.evoLVe's IR-50 from 2019). The file is a
 * sequence of pickles followed by raw storages:
 *   magic number (0x1950a86a20f9469cfc6c), protocol version (1001),
 *   sys_info dict, the object (storages as persistent ids
 *   ('storage', torch.XStorage, key, location, numel, view_metadata)),
 *   the list of storage keys, then per key: int64 numel + numel*itemsize bytes.
 * The object pickle is parsed twice: once to find where it ends (tensors not
 * built), then for real once the storages are located.
 */
import { CheckpointError } from '../errors';
import { DTYPE_ITEMSIZE, TensorDType } from '../tensor-data';
import { describePy, PyGlobal, unpickleFrom } from './pickle';
import { RebuildLimits, storageDTypeOf, StorageRef, torchBuild, torchGlobals } from './torch-globals';

const MAGIC = 0x1950a86a20f9469cfc6cn;
const PROTOCOL = 1001;

/** True when the buffer starts with the pickled legacy magic number. */
export function isLegacyTorch(buf: Uint8Array): boolean {
  // PROTO 2, LONG1 10 bytes, little-endian magic
  const head = [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19];
  return buf.byteLength > head.length && head.every((b, i) => buf[i] === b);
}

export function readLegacyPth(buf: Uint8Array, file: string, limits: RebuildLimits): unknown {
  const plain = { file, allowedGlobals: {}, limits: limits.pickle };
  const magic = unpickleFrom(buf, 0, { ...plain, where: 'magic number' });
  if (magic.value !== MAGIC) throw new CheckpointError(file, 'legacy torch file: bad magic number');
  const proto = unpickleFrom(buf, magic.end, { ...plain, where: 'protocol version' });
  if (proto.value !== PROTOCOL) throw new CheckpointError(file, `legacy torch file: protocol ${describePy(proto.value)} is not supported`);
  const sys = unpickleFrom(buf, proto.end, { ...plain, where: 'sys_info' });
  if (sys.value instanceof Map && sys.value.get('little_endian') === false) {
    throw new CheckpointError(file, 'legacy torch file written on a big-endian machine is not supported');
  }

  const storageDType = (cls: unknown): TensorDType => {
    const q = cls instanceof PyGlobal ? cls.qualname : '';
    const dt = storageDTypeOf(q);
    if (!dt) throw new CheckpointError(file, `persistent id names '${q || describePy(cls)}', not a torch storage class`);
    return dt;
  };
  const checkPid = (pid: unknown): unknown[] => {
    if (!Array.isArray(pid) || pid.length < 5 || pid[0] !== 'storage' || typeof pid[2] !== 'string') {
      throw new CheckpointError(file, 'unsupported persistent id');
    }
    return pid;
  };

  // Pass 1: find the end of the object pickle and the dtype of every root storage (tensors not built).
  const roots = new Map<string, TensorDType>();
  const dry = unpickleFrom(buf, sys.end, {
    file,
    where: 'object pickle',
    limits: limits.pickle,
    allowedGlobals: torchGlobals(limits, true),
    persistentLoad: (pid) => {
      const p = checkPid(pid);
      roots.set(p[2] as string, storageDType(p[1]));
      return null;
    },
    build: torchBuild,
  });
  const keysP = unpickleFrom(buf, dry.end, { ...plain, where: 'storage key list' });
  const keys = keysP.value;
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw new CheckpointError(file, 'legacy torch file: bad storage key list');

  // Locate the raw storages: int64 numel then the bytes, in key-list order.
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const located = new Map<string, { at: number; numel: number }>();
  let pos = keysP.end;
  for (const k of keys as string[]) {
    const dtype = roots.get(k);
    if (!dtype) throw new CheckpointError(file, `legacy torch file: storage '${k}' is not referenced by the object`);
    if (pos + 8 > buf.byteLength) throw new CheckpointError(file, `legacy torch file truncated before storage '${k}'`);
    const n = dv.getBigInt64(pos, true);
    const bytes = n * BigInt(DTYPE_ITEMSIZE[dtype]);
    if (n < 0n || BigInt(pos + 8) + bytes > BigInt(buf.byteLength)) {
      throw new CheckpointError(file, `legacy torch file: storage '${k}' declares ${n} ${dtype} elements, beyond the end of the file (truncated?)`);
    }
    located.set(k, { at: pos + 8, numel: Number(n) });
    pos += 8 + Number(bytes);
  }

  // Pass 2: build the object with real storages.
  const cache = new Map<string, StorageRef>();
  const rootRef = (key: string, dtype: TensorDType, numel: number): StorageRef => {
    const hit = cache.get(key);
    if (hit) return hit;
    const loc = located.get(key);
    if (!loc) throw new CheckpointError(file, `legacy torch file: storage '${key}' has no data`);
    if (!Number.isSafeInteger(numel) || numel < 0 || numel > loc.numel) {
      throw new CheckpointError(file, `storage '${key}' declares ${numel} elements but the file holds ${loc.numel}`);
    }
    const item = DTYPE_ITEMSIZE[dtype];
    const ref = new StorageRef(key, dtype, loc.numel, buf.subarray(loc.at, loc.at + loc.numel * item));
    cache.set(key, ref);
    return ref;
  };
  return unpickleFrom(buf, sys.end, {
    file,
    where: 'object pickle',
    limits: limits.pickle,
    allowedGlobals: torchGlobals(limits),
    persistentLoad: (pid) => {
      const p = checkPid(pid);
      const dtype = storageDType(p[1]);
      if (typeof p[4] !== 'number') throw new CheckpointError(file, `storage '${p[2] as string}' has a non-integer size ${describePy(p[4])}`);
      const root = rootRef(p[2] as string, dtype, p[4]);
      const view = p[5];
      if (view === null || view === undefined) return root;
      // (view_key, offset, view_size): a sub-range of the root storage, in elements
      if (!Array.isArray(view) || view.length !== 3 || typeof view[0] !== 'string') throw new CheckpointError(file, 'bad storage view metadata');
      const [vkey, off, size] = view as [unknown, unknown, unknown];
      if (typeof off !== 'number' || typeof size !== 'number' || off < 0 || size < 0 || off + size > root.numel) {
        throw new CheckpointError(file, `storage view '${vkey as string}' lies outside storage '${root.key}'`);
      }
      const item = DTYPE_ITEMSIZE[dtype];
      return new StorageRef(vkey as string, dtype, size, root.bytes.subarray(off * item, (off + size) * item));
    },
    build: torchBuild,
  }).value;
}
