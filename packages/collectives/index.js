'use strict';
/**
 * @fer-mm/collectives: Gloo and Open MPI collectives for Node (index.d.ts documents the API).
 */
const fs = require('fs');
const { CollectiveError } = require('./lib/errors');
const { NativeEngine } = require('./lib/engine');
const { loadEngine, INSTALL } = require('./lib/native');

const DEFAULT_TIMEOUT_MS = 1800 * 1000;

function engineAvailability() {
  const out = {};
  for (const name of ['gloo', 'mpi']) {
    try {
      const loaded = loadEngine(name);
      out[name] = loaded.addon ? { ok: true, version: String(loaded.addon.version) } : { ok: false, reason: loaded.reason, install: INSTALL[name] };
    } catch (error) {
      out[name] = { ok: false, reason: String(error && error.message), install: INSTALL[name] };
    }
  }
  return out;
}

function requireAddon(name) {
  const loaded = loadEngine(name);
  if (!loaded.addon) throw new CollectiveError(`${name} init failed: ${loaded.reason}; install: ${INSTALL[name]}`, { engine: name, op: 'init' });
  return loaded.addon;
}

function checkTimeout(engine, timeoutMs) {
  if (timeoutMs !== undefined && (typeof timeoutMs !== 'number' || !(timeoutMs > 0))) {
    throw new RangeError(`${engine} init: timeoutMs must be a positive number, got ${timeoutMs}`);
  }
  return timeoutMs ?? DEFAULT_TIMEOUT_MS;
}

function checkGlooArgs(args) {
  if (!args || typeof args !== 'object') throw new TypeError('initGloo: an options object { rank, size, store } is required');
  const { rank, size, store } = args;
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`initGloo: size must be a positive integer, got ${size}`);
  if (!Number.isInteger(rank) || rank < 0 || rank >= size) throw new RangeError(`initGloo: rank must be an integer in [0, ${size}), got ${rank}`);
  if (!store || (store.kind !== 'tcp' && store.kind !== 'file')) throw new TypeError("initGloo: store must be { kind: 'tcp', host, port } or { kind: 'file', path }");
  if (store.kind === 'tcp') {
    if (typeof store.host !== 'string' || store.host === '') throw new TypeError('initGloo: store.host must be a host name or address (MASTER_ADDR)');
    if (!Number.isInteger(store.port) || store.port < 1 || store.port > 65535) throw new RangeError(`initGloo: store.port must be a TCP port (MASTER_PORT), got ${store.port}`);
  } else if (typeof store.path !== 'string' || store.path === '') {
    throw new TypeError('initGloo: store.path must be a directory shared by every rank');
  }
  if (args.listenAddress !== undefined && typeof args.listenAddress !== 'string') throw new TypeError('initGloo: listenAddress must be a string');
  if (args.transport !== undefined && args.transport !== 'tcp' && args.transport !== 'ibverbs') throw new TypeError(`initGloo: transport must be 'tcp' or 'ibverbs', got '${args.transport}'`);
}

async function initGloo(args) {
  checkGlooArgs(args);
  const timeoutMs = checkTimeout('gloo', args.timeoutMs);
  const addon = requireAddon('gloo');
  const { store } = args;
  const transport = args.transport ?? 'tcp';
  if (!String(addon.transports).split(',').includes(transport)) {
    throw new CollectiveError(`gloo init failed: this libgloo has no ${transport} transport (it has ${addon.transports})`, { engine: 'gloo', op: 'init' });
  }
  const ibverbs = args.ibverbs ?? {};
  if (store.kind === 'file') fs.mkdirSync(store.path, { recursive: true });
  const native = new addon.GlooEngine({
    rank: args.rank,
    size: args.size,
    storeKind: store.kind,
    host: store.host,
    port: store.port,
    path: store.path,
    listenAddress: args.listenAddress,
    timeoutMs,
    transport,
    ibvDevice: ibverbs.device,
    ibvPort: ibverbs.port,
    ibvIndex: ibverbs.index,
  });
  try {
    await native.connect();
  } catch (error) {
    native.close();
    const cause = error && error.cause !== undefined ? error.cause : error && error.message;
    const where = store.kind === 'tcp' ? `tcp://${store.host}:${store.port}` : `file://${store.path}`;
    throw new CollectiveError(`gloo init failed (rank ${args.rank} of ${args.size}, store ${where}): ${cause}`, {
      engine: 'gloo',
      op: 'init',
      timedOut: error && error.timedOut === true,
      cause: error,
    });
  }
  return new NativeEngine(native, { name: 'gloo', version: String(addon.version), transport }, args.rank, args.size);
}

const MPI_PROGRESS = ['test', 'wait', 'blocking'];
let mpiStarted = false;

async function initMpi(args = {}) {
  if (!args || typeof args !== 'object') throw new TypeError('initMpi: options must be an object { timeoutMs?, progress? }');
  const timeoutMs = checkTimeout('mpi', args.timeoutMs);
  const progress = args.progress ?? 'test';
  if (!MPI_PROGRESS.includes(progress)) throw new TypeError(`initMpi: progress must be one of ${MPI_PROGRESS.join(', ')}, got '${progress}'`);
  const addon = requireAddon('mpi');
  // MPI initializes once per process and cannot start again after MPI_Finalize
  if (mpiStarted) throw new CollectiveError('mpi init failed: MPI was already initialized in this process (one MPI engine per process)', { engine: 'mpi', op: 'init' });
  mpiStarted = true;
  const native = new addon.MpiEngine({ timeoutMs, progress });
  let world;
  try {
    world = await native.connect();
  } catch (error) {
    native.close();
    throw new CollectiveError(`mpi init failed: ${error && error.cause !== undefined ? error.cause : error && error.message}`, { engine: 'mpi', op: 'init', cause: error });
  }
  const engine = new NativeEngine(native, { name: 'mpi', version: world.version, transport: world.transport }, world.rank, world.size);
  // mpirun treats a rank that exits without MPI_Finalize as failed and aborts the job: a clean
  // exit finalizes; a failing one does not (finalize would wait for ranks that may be gone)
  process.once('exit', (code) => {
    if (code === 0) engine.close();
  });
  return engine;
}

module.exports = { initGloo, initMpi, engineAvailability, CollectiveError, DEFAULT_TIMEOUT_MS };
