/**
 * Multi-threaded wasm backend in Node.
 *
 * tfjs-backend-wasm 4.22 ships a pthreads build (`tfjs-backend-wasm-threaded-
 * simd.wasm`, XNNPACK with a pthreadpool) but never uses it in Node, for four
 * reasons that this module works around, only while the wasm backend factory
 * runs:
 *  1. the `WASM_HAS_MULTITHREAD_SUPPORT` flag returns false whenever IS_NODE;
 *     we set it to true.
 *  2. the pthread worker script is handed to `new Worker()` as a `blob:` URL,
 *     which Node's worker_threads cannot load; we write the same script (from
 *     the package's `wasm-out/...worker.js`) to a temp file and return its path
 *     from `URL.createObjectURL`.
 *  3. the worker receives the main glue code as a Blob and expects a
 *     synchronous `importScripts(blobURL)`; our worker prologue reads the Blob
 *     asynchronously (queueing later messages) and evaluates it, after
 *     defining the bundle-local names (`require$$0`...) the glue refers to.
 *  4. the C side caps the pool at `emscripten_num_logical_cores() / 2` (it
 *     assumes hyper-threading), i.e. 1 thread on a 2-core machine; we report
 *     2 x the wanted thread count to the instance being created.
 * Running pthreads are `unref()`ed so that they never keep Node alive.
 *
 * If anything is missing (no SharedArrayBuffer, no worker_threads, no threaded
 * build, unwritable temp dir) or the threaded start fails or times out, the
 * factory falls back to the single-threaded SIMD build and logs why.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { tf } from '../tf';

/** Options for {@link configureWasmThreads}. */
export interface WasmThreadsArgs {
  /** Threads for XNNPACK's pool; default `FER_MM_WASM_THREADS` or the CPU count. 1 disables threading. */
  threads?: number;
  /** Max time for the threaded start before falling back (ms). Default 30000. */
  timeoutMs?: number;
  /** Where the fallback reason is reported. Default `console.warn`. */
  log?: (msg: string) => void;
}

/** What the last wasm start did. */
export interface WasmThreadsInfo {
  requested: number;
  /** Threads XNNPACK actually uses (`getThreadsCount()`), -1 before the wasm backend started. */
  threads: number;
  multithreaded: boolean;
  /** Why the single-threaded build is used, when it is. */
  reason?: string;
}

const WORKER_PROLOGUE = [
  // the glue evaluated in the worker refers to these rollup-bundle locals
  'Object.assign(globalThis,{require$$0:require("fs"),require$$1:require("path"),',
  'require$$3:require("perf_hooks"),require$$4:require("os"),commonjsGlobal:globalThis,_scriptDir:__filename});',
].join('');

// Wraps the emscripten worker's onmessage: a 'load' whose script is a Blob is
// read asynchronously and evaluated; later messages wait in order.
const WORKER_EPILOGUE = `
;(function(){var handle=self.onmessage;var busy=false;var queue=[];var MARK="__fer_mm_glue_loaded__";
function pump(){while(!busy&&queue.length){var e=queue.shift();var d=e.data;
if(d&&d.cmd==="load"&&d.urlOrBlob&&typeof d.urlOrBlob!=="string"&&typeof d.urlOrBlob.text==="function"){
busy=true;d.urlOrBlob.text().then(function(src){(0,eval)(src);var d2=Object.assign({},d,{urlOrBlob:MARK});
var imp=importScripts;importScripts=function(f){if(f!==MARK)imp(f)};try{handle({data:d2})}finally{importScripts=imp;busy=false}pump()},
function(err){throw err})}else handle(e)}}
self.onmessage=function(e){queue.push(e);pump()}})();
`;

let options: Required<Omit<WasmThreadsArgs, 'log'>> & { log: (msg: string) => void } = {
  threads: defaultThreads(),
  timeoutMs: 30000,
  log: (m) => console.warn(m),
};
let info: WasmThreadsInfo = { requested: options.threads, threads: -1, multithreaded: false };
let installed = false;

function defaultThreads(): number {
  const env = process.env.FER_MM_WASM_THREADS;
  if (env !== undefined && env !== '') {
    const n = Number(env);
    if (Number.isInteger(n) && n >= 1) return n;
    console.warn(`FER_MM_WASM_THREADS='${env}' is not a positive integer; using the CPU count`);
  }
  return Math.max(1, os.cpus().length);
}

/** Sets the thread count etc.; takes effect at the next wasm backend start. */
export function configureWasmThreads(args: WasmThreadsArgs): void {
  if (args.threads !== undefined && !(Number.isInteger(args.threads) && args.threads >= 1)) {
    throw new Error(`configureWasmThreads: threads must be a positive integer, got ${args.threads}`);
  }
  options = { ...options, ...Object.fromEntries(Object.entries(args).filter(([, v]) => v !== undefined)) };
  info = { ...info, requested: options.threads };
}

/** How the wasm backend was started (thread count, fallback reason). */
export function wasmThreadsInfo(): WasmThreadsInfo {
  return { ...info };
}

/** Reasons the threaded build cannot be used here, or null. */
function prerequisites(): { ok: true; workerSource: string } | { ok: false; reason: string } {
  if (typeof SharedArrayBuffer === 'undefined') return { ok: false, reason: 'SharedArrayBuffer is unavailable' };
  try {
    // a probe: the threaded build needs the module, the framework does not
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    require('worker_threads');
  } catch {
    return { ok: false, reason: 'worker_threads is unavailable' };
  }
  // same probe as tfjs: a module using atomics must validate
  const threadsProbe = new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, 1, 4, 1, 96, 0, 0, 3, 2, 1, 0, 5,
    4, 1, 3, 1, 1, 10, 11, 1, 9, 0, 65, 0, 254, 16, 2, 0, 26, 11]);
  if (typeof (globalThis as { WebAssembly?: unknown }).WebAssembly !== 'object' || !wasmGlobal().validate(threadsProbe)) return { ok: false, reason: 'WebAssembly threads are not supported' };
  let contents: unknown;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    contents = require('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js')
      .wasmWorkerContents;
  } catch (e) {
    return { ok: false, reason: `threaded worker script not found (${(e as Error).message.split('\n')[0]})` };
  }
  if (typeof contents !== 'string') return { ok: false, reason: 'threaded worker script has no wasmWorkerContents' };
  // tfjs escapes newlines the same way before making its Blob
  return { ok: true, workerSource: WORKER_PROLOGUE + contents.replace(/\n/g, '\\n') + WORKER_EPILOGUE };
}

function writeWorkerFile(source: string): string {
  const hash = crypto.createHash('sha1').update(source).digest('hex').slice(0, 12);
  const file = path.join(os.tmpdir(), `fer-mm-tfjs-wasm-worker-${hash}.js`);
  if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== source) {
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, source);
    fs.renameSync(tmp, file);
  }
  return file;
}

/** The part of the WebAssembly global we touch (not in this project's TS libs). */
interface WebAssemblyLike {
  validate(bytes: Uint8Array): boolean;
  instantiate(...args: unknown[]): unknown;
}
const wasmGlobal = (): WebAssemblyLike => (globalThis as unknown as { WebAssembly: WebAssemblyLike }).WebAssembly;

interface WasmModuleLike {
  PThread?: { runningWorkers?: Array<{ unref?: () => void }> };
}
interface WasmPackage {
  setThreadsCount(n: number): void;
  getThreadsCount(): number;
}

function wasmPackage(): WasmPackage {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('@tensorflow/tfjs-backend-wasm') as WasmPackage;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then((v) => { clearTimeout(t); resolve(v); }, (e) => { clearTimeout(t); reject(e); });
  });
}

type Factory = () => tf.KernelBackend | Promise<tf.KernelBackend>;

async function startSingle(factory: Factory, reason: string): Promise<tf.KernelBackend> {
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasmPackage().setThreadsCount(1);
  const backend = await factory();
  info = { requested: options.threads, threads: safeThreadsCount(), multithreaded: false, reason };
  return backend;
}

function safeThreadsCount(): number {
  try {
    return wasmPackage().getThreadsCount();
  } catch {
    return -1;
  }
}

async function startThreaded(factory: Factory): Promise<tf.KernelBackend> {
  const want = options.threads;
  if (want <= 1) return startSingle(factory, 'one thread requested');
  const pre = prerequisites();
  if (!pre.ok) {
    options.log(`wasm backend: using one thread (${pre.reason})`);
    return startSingle(factory, pre.reason);
  }
  let workerFile: string;
  try {
    workerFile = writeWorkerFile(pre.workerSource);
  } catch (e) {
    const reason = `cannot write the pthread worker script to ${os.tmpdir()}: ${(e as Error).message}`;
    options.log(`wasm backend: using one thread (${reason})`);
    return startSingle(factory, reason);
  }
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  wasmPackage().setThreadsCount(want);
  const origCreateObjectURL = URL.createObjectURL;
  const WA = wasmGlobal();
  const origInstantiate = WA.instantiate;
  URL.createObjectURL = function (obj: Blob) {
    // only the pthread worker script is a Blob of this type during the start
    if (obj && (obj as { type?: string }).type === 'application/javascript') return workerFile;
    return origCreateObjectURL.call(URL, obj);
  } as typeof URL.createObjectURL;
  WA.instantiate = function (this: unknown, ...args: unknown[]) {
    const imports = args[1] as { env?: Record<string, unknown> } | undefined;
    if (imports?.env && typeof imports.env.emscripten_num_logical_cores === 'function') {
      // the C side uses cores/2 as the pool size cap
      imports.env.emscripten_num_logical_cores = () => 2 * want;
    }
    return origInstantiate.apply(this, args);
  };
  let backend: tf.KernelBackend;
  try {
    backend = await withTimeout(Promise.resolve(factory()), options.timeoutMs);
  } catch (e) {
    const reason = `threaded start failed: ${(e as Error)?.message ?? String(e)}`;
    options.log(`wasm backend: using one thread (${reason})`);
    URL.createObjectURL = origCreateObjectURL;
    WA.instantiate = origInstantiate;
    return startSingle(factory, reason);
  } finally {
    URL.createObjectURL = origCreateObjectURL;
    WA.instantiate = origInstantiate;
  }
  // pthreads are ref()ed while they run; they must not keep the process alive
  const mod = (backend as unknown as { wasm?: WasmModuleLike }).wasm;
  for (const w of mod?.PThread?.runningWorkers ?? []) w.unref?.();
  const threads = safeThreadsCount();
  info = { requested: want, threads, multithreaded: threads > 1 };
  if (threads <= 1) info.reason = `XNNPACK started ${threads} thread(s)`;
  return backend;
}

function wrap(factory: Factory): Factory {
  return () => startThreaded(factory);
}

/**
 * Makes the next wasm backend start multi-threaded: wraps the wasm backend
 * factory when tfjs-backend-wasm registers it (or re-registers it if it was
 * registered already and not started). Idempotent.
 */
export function installWasmThreads(): void {
  if (installed) return;
  installed = true;
  const engine = tf.engine() as unknown as {
    registerBackend(name: string, factory: Factory, priority?: number): boolean;
    registry: Record<string, unknown>;
  };
  const existing = tf.findBackendFactory('wasm') as Factory | null;
  if (existing && !engine.registry.wasm) {
    const priority = (tf.engine() as unknown as { registryFactory: Record<string, { priority: number }> })
      .registryFactory.wasm?.priority ?? 2;
    tf.removeBackend('wasm');
    tf.registerBackend('wasm', wrap(existing), priority);
  }
  const orig = engine.registerBackend.bind(engine);
  engine.registerBackend = (name, factory, priority) =>
    orig(name, name === 'wasm' ? wrap(factory) : factory, priority);
}
