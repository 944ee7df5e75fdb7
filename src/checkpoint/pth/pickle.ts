/**
 * A restricted pickle interpreter (protocols 2-5, the opcodes torch.save and
 * plain Python containers use). Only the globals in `allowedGlobals` can be
 * referenced; anything else (`os.system`, `builtins.eval`, ...) is refused
 * with an error naming the global and the file, before it could be called.
 * Every length read from the stream is checked against the bytes left, and
 * the stack, MARK nesting, memo, containers and container items run under
 * explicit budgets (`PickleLimits`), so a hostile stream fails with an error
 * naming the file and the limit instead of allocating or looping: each
 * opcode is one byte, so without budgets a 24 MB file holds 24M dicts.
 *
 * Python values map to: None → null, bool → boolean, int → number (bigint
 * beyond 2^53), float → number, str → string, bytes → Uint8Array, list and
 * tuple → Array, dict/OrderedDict → Map (insertion order kept).
 */
import { CheckpointError } from '../errors';

/** A callable reachable from the pickle: receives the REDUCE/NEWOBJ args. */
export type PyCallable = (args: unknown[]) => unknown;

export interface UnpicklerOptions {
  /** File name for error messages. */
  file: string;
  /** Entry name inside the archive, e.g. `archive/data.pkl`. */
  where?: string;
  /** `module.name` → callable. Only these globals may appear. */
  allowedGlobals: Record<string, PyCallable>;
  /** BINPERSID handler (torch storages). */
  persistentLoad?: (pid: unknown) => unknown;
  /** BUILD handler for non-Map objects; return false to reject the state. */
  build?: (obj: unknown, state: unknown) => boolean;
  /** Budgets (defaults: DEFAULT_PICKLE_LIMITS). */
  limits?: Partial<PickleLimits>;
}

/**
 * Budgets of one unpickling. The defaults are far above what torch.save
 * writes (its stack holds the container nesting plus one batch of 1000 items;
 * a checkpoint creates ~5 containers per tensor) and bound the memory of a
 * hostile stream to a few hundred MB.
 */
export interface PickleLimits {
  /** Values on the stack at once (MARKs count too). */
  maxStack: number;
  /** Open MARKs at once (nesting of MARK ... TUPLE/LIST/DICT). */
  maxMarks: number;
  /** Memo entries. */
  maxMemo: number;
  /** Lists, tuples, dicts and call results created. */
  maxContainers: number;
  /** Items put into containers, all containers together. */
  maxItems: number;
}

export const DEFAULT_PICKLE_LIMITS: Readonly<PickleLimits> = Object.freeze({
  maxStack: 1 << 17,
  maxMarks: 1 << 12,
  maxMemo: 1 << 21,
  maxContainers: 1 << 20,
  maxItems: 1 << 23,
});

/** Attributes set by BUILD on a dict (e.g. the state_dict `_metadata`). */
const pyAttributes = new WeakMap<object, Map<unknown, unknown>>();
export function getPyAttributes(obj: object): Map<unknown, unknown> | undefined {
  return pyAttributes.get(obj);
}
export function setPyAttributes(obj: object, attrs: Map<unknown, unknown>): void {
  pyAttributes.set(obj, attrs);
}

/** A Python `collections.OrderedDict` (plain `dict`s read as a plain Map). */
export class PyOrderedDict<K = unknown, V = unknown> extends Map<K, V> {}

/** A Python tuple when writing (the reader returns tuples as plain arrays). */
const tuples = new WeakSet<unknown[]>();
export function pyTuple<T extends unknown[]>(items: T): T {
  tuples.add(items);
  return items;
}
export function isPyTuple(v: unknown): boolean {
  return Array.isArray(v) && tuples.has(v);
}

/** A Python float when writing a value that happens to be integral (1.0). */
export class PyFloat {
  constructor(readonly value: number) {}
}

/** A resolved global, stored on the stack until REDUCE/NEWOBJ calls it. */
export class PyGlobal {
  constructor(
    readonly qualname: string,
    readonly fn: PyCallable,
  ) {}
}

const MAX_LONG_BYTES = 64;

/**
 * A short description of an unpickled value for error messages. Never
 * `String(v)`: on a DAG of shared lists that expands exponentially.
 */
export function describePy(v: unknown): string {
  if (v === null) return 'None';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
  if (Array.isArray(v)) return `a list/tuple of ${v.length}`;
  if (v instanceof Map) return `a dict of ${v.size}`;
  if (v instanceof Uint8Array) return `bytes of length ${v.byteLength}`;
  if (v instanceof PyGlobal) return v.qualname;
  return typeof v === 'object' ? 'an object' : typeof v;
}

/** A dict key as a string: scalars as Python prints them, tuples of scalars as `(a, b)`, anything else described. */
export function pyKeyString(k: unknown): string {
  if (typeof k === 'string') return k;
  if (typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean') return String(k);
  if (k === null) return 'None';
  if (Array.isArray(k) && k.length <= 16 && k.every((e) => e === null || ['string', 'number', 'bigint', 'boolean'].includes(typeof e))) {
    return `(${k.map(pyKeyString).join(', ')})`;
  }
  return describePy(k);
}

export function unpickle(data: Uint8Array, opts: UnpicklerOptions): unknown {
  return unpickleFrom(data, 0, opts).value;
}

/** Unpickles one pickle starting at `start`; `end` is the offset just after its STOP. */
export function unpickleFrom(data: Uint8Array, start: number, opts: UnpicklerOptions): { value: unknown; end: number } {
  const where = opts.where ? ` (${opts.where})` : '';
  const fail = (msg: string): never => {
    throw new CheckpointError(opts.file, `${msg}${where}`);
  };
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const n = data.byteLength;
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  const latin1 = new TextDecoder('latin1');
  let pos = start;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const lim: PickleLimits = { ...DEFAULT_PICKLE_LIMITS, ...opts.limits };
  let containers = 0;
  let items = 0;
  const overBudget = (what: string, limit: number, name: keyof PickleLimits): never =>
    fail(`pickle exceeds its budget of ${limit} ${what} (limit ${name}; a hostile or corrupt file?)`);
  const push = (v: unknown): void => {
    if (stack.length + marks.length >= lim.maxStack) overBudget('stack entries', lim.maxStack, 'maxStack');
    stack.push(v);
  };
  /** Counts one new container holding `k` items. */
  const created = (k: number): void => {
    if (++containers > lim.maxContainers) overBudget('containers', lim.maxContainers, 'maxContainers');
    added(k);
  };
  const added = (k: number): void => {
    items += k;
    if (items > lim.maxItems) overBudget('container items', lim.maxItems, 'maxItems');
  };
  const memoPut = (i: number, v: unknown): void => {
    if (!memo.has(i) && memo.size >= lim.maxMemo) overBudget('memo entries', lim.maxMemo, 'maxMemo');
    memo.set(i, v);
  };

  const need = (k: number, what: string): void => {
    if (k < 0 || pos + k > n) fail(`pickle truncated or corrupt: ${what} needs ${k} bytes at offset ${pos}, ${n - pos} left`);
  };
  const u8 = (): number => {
    need(1, 'argument');
    return data[pos++];
  };
  const u16 = (): number => {
    need(2, 'argument');
    const v = dv.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = (): number => {
    need(4, 'argument');
    const v = dv.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = (what: string): number => {
    need(8, what);
    const v = dv.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(n)) fail(`${what} length ${v} exceeds the ${n}-byte pickle`);
    return Number(v);
  };
  const bytes = (k: number, what: string): Uint8Array => {
    need(k, what);
    const b = data.subarray(pos, pos + k);
    pos += k;
    return b;
  };
  const str = (k: number): string => {
    const b = bytes(k, 'string');
    try {
      return utf8.decode(b);
    } catch {
      return fail(`invalid UTF-8 string at offset ${pos - k}`);
    }
  };
  const line = (what: string): string => {
    const end = data.indexOf(0x0a, pos);
    if (end < 0) fail(`unterminated ${what}`);
    const s = latin1.decode(data.subarray(pos, end));
    pos = end + 1;
    return s;
  };
  const pop = (): unknown => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) fail('pickle stack underflow');
    return stack.pop();
  };
  const top = (): unknown => {
    if (stack.length === 0) fail('pickle stack underflow');
    return stack[stack.length - 1];
  };
  const popMark = (): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('pickle MARK missing');
    return stack.splice(m as number);
  };
  const resolveGlobal = (module: string, name: string): PyGlobal => {
    const q = `${module}.${name}`;
    const fn = Object.prototype.hasOwnProperty.call(opts.allowedGlobals, q) ? opts.allowedGlobals[q] : undefined;
    if (!fn) {
      fail(
        `refusing to load global '${q}': only tensors and plain containers are allowed ` +
          `(allowed: ${Object.keys(opts.allowedGlobals).join(', ')})`,
      );
    }
    return new PyGlobal(q, fn as PyCallable);
  };
  const call = (callee: unknown, args: unknown): unknown => {
    if (!(callee instanceof PyGlobal)) fail('REDUCE/NEWOBJ target is not an allowed global');
    if (!Array.isArray(args)) fail(`arguments of ${(callee as PyGlobal).qualname} are not a tuple`);
    created(0);
    try {
      return (callee as PyGlobal).fn(args as unknown[]);
    } catch (e) {
      if (e instanceof CheckpointError) throw e;
      return fail(`${(callee as PyGlobal).qualname}: ${(e as Error).message}`);
    }
  };
  const asMap = (v: unknown, op: string): Map<unknown, unknown> => {
    if (!(v instanceof Map)) fail(`${op} on a non-dict`);
    return v as Map<unknown, unknown>;
  };
  const asList = (v: unknown, op: string): unknown[] => {
    if (!Array.isArray(v)) fail(`${op} on a non-list`);
    return v as unknown[];
  };
  const memoGet = (i: number): unknown => {
    if (!memo.has(i)) fail(`pickle memo key ${i} is not defined`);
    return memo.get(i);
  };
  const long = (b: Uint8Array): number | bigint => {
    if (b.length === 0) return 0;
    if (b.length > MAX_LONG_BYTES) fail(`integer of ${b.length} bytes is too large`);
    let v = 0n;
    for (let i = b.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(b[i]);
    if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  };

  for (;;) {
    if (pos >= n) fail('pickle ended without STOP (truncated?)');
    const op = data[pos++];
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('unsupported pickle protocol');
        break;
      case 0x95: // FRAME: only a hint for buffered readers
        u64('FRAME');
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) fail('pickle STOP with an unbalanced stack');
        return { value: stack[0], end: pos };
      case 0x28: // MARK
        if (marks.length >= lim.maxMarks) overBudget('nested MARKs', lim.maxMarks, 'maxMarks');
        if (stack.length + marks.length >= lim.maxStack) overBudget('stack entries', lim.maxStack, 'maxStack');
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        push(top());
        break;
      case 0x7d: // EMPTY_DICT
        created(0);
        push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        created(0);
        push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        created(0);
        push([]);
        break;
      case 0x74: // TUPLE
      case 0x6c: {
        // LIST
        const l = popMark();
        created(l.length);
        push(l);
        break;
      }
      case 0x64: {
        // DICT
        const items = popMark();
        created(items.length >> 1);
        const m = new Map();
        for (let i = 0; i + 1 < items.length; i += 2) m.set(items[i], items[i + 1]);
        push(m);
        break;
      }
      case 0x85: // TUPLE1
        created(1);
        push([pop()]);
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        created(2);
        push([a, b]);
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        created(3);
        push([a, b, c]);
        break;
      }
      case 0x71: // BINPUT
        memoPut(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memoPut(u32(), top());
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size, top());
        break;
      case 0x68: // BINGET
        push(memoGet(u8()));
        break;
      case 0x6a: // LONG_BINGET
        push(memoGet(u32()));
        break;
      case 0x4a: // BININT
        need(4, 'BININT');
        push(dv.getInt32(pos, true));
        pos += 4;
        break;
      case 0x4b: // BININT1
        push(u8());
        break;
      case 0x4d: // BININT2
        push(u16());
        break;
      case 0x8a: // LONG1
        push(long(bytes(u8(), 'LONG1')));
        break;
      case 0x8b: {
        // LONG4
        const k = u32();
        push(long(bytes(k, 'LONG4')));
        break;
      }
      case 0x47: // BINFLOAT (big-endian)
        need(8, 'BINFLOAT');
        push(dv.getFloat64(pos, false));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        push(str(u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        push(str(u8()));
        break;
      case 0x8d: // BINUNICODE8
        push(str(u64('BINUNICODE8')));
        break;
      case 0x54: {
        // BINSTRING (python 2 str)
        const k = u32();
        push(latin1.decode(bytes(k, 'BINSTRING')));
        break;
      }
      case 0x55: // SHORT_BINSTRING
        push(latin1.decode(bytes(u8(), 'SHORT_BINSTRING')));
        break;
      case 0x43: // SHORT_BINBYTES
        push(bytes(u8(), 'SHORT_BINBYTES').slice());
        break;
      case 0x42: {
        // BINBYTES
        const k = u32();
        push(bytes(k, 'BINBYTES').slice());
        break;
      }
      case 0x8e: // BINBYTES8
        push(bytes(u64('BINBYTES8'), 'BINBYTES8').slice());
        break;
      case 0x96: // BYTEARRAY8
        push(bytes(u64('BYTEARRAY8'), 'BYTEARRAY8').slice());
        break;
      case 0x88: // NEWTRUE
        push(true);
        break;
      case 0x89: // NEWFALSE
        push(false);
        break;
      case 0x4e: // NONE
        push(null);
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line('GLOBAL module');
        const name = line('GLOBAL name');
        push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        push(resolveGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const callee = pop();
        push(call(callee, args));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        push(call(cls, args));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX
        const kwargs = pop();
        const args = pop();
        const cls = pop();
        if (!(kwargs instanceof Map) || kwargs.size) fail('NEWOBJ_EX with keyword arguments is not supported');
        push(call(cls, args));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof Map) {
          // dict subclass state: {attr: value} or (dict_state, slot_state)
          let st = state;
          if (Array.isArray(st) && st.length === 2) st = st[0] ?? st[1];
          if (st === null) break;
          if (!(st instanceof Map)) fail('BUILD state of a dict is not a dict');
          const attrs = pyAttributes.get(obj) ?? new Map();
          added((st as Map<unknown, unknown>).size);
          for (const [k, v] of st as Map<unknown, unknown>) attrs.set(k, v);
          pyAttributes.set(obj, attrs);
        } else if (!opts.build || !opts.build(obj, state)) {
          fail('BUILD on an object that takes no state');
        }
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        added(1);
        asMap(top(), 'SETITEM').set(k, v);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        const m = asMap(top(), 'SETITEMS');
        if (items.length % 2) fail('SETITEMS with an odd number of items');
        added(items.length >> 1);
        for (let i = 0; i < items.length; i += 2) m.set(items[i], items[i + 1]);
        break;
      }
      case 0x61: {
        // APPEND
        const v = pop();
        added(1);
        asList(top(), 'APPEND').push(v);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        const l = asList(top(), 'APPENDS');
        added(items.length);
        for (const it of items) l.push(it);
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) fail('persistent id in a pickle that allows none');
        push(opts.persistentLoad!(pid));
        break;
      }
      default:
        fail(`unsupported or forbidden pickle opcode 0x${op.toString(16).padStart(2, '0')} at offset ${pos - 1}`);
    }
  }
}
