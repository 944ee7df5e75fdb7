/**
 * Worker thread of the blocking all-reduce (`sync-channel.ts`). Runs the
 * sockets while the main thread waits in Atomics.wait inside a tfjs forward or
 * gradient function, where awaiting a promise is impossible. A star over plain
 * TCP: ranks > 0 send their vector to rank 0, which sums in rank order (so
 * every rank gets bit-identical sums, float64 or float32 as sent) and sends
 * the result back. Calls are matched by sequence number, so blocking calls
 * (SyncBatchNorm) and posted gradient buckets can be in flight together.
 */
'use strict';
const net = require('node:net');
const { parentPort, workerData } = require('node:worker_threads');

const { rank, worldSize, bindAddr } = workerData;
/** Calls not yet answered: seq -> { sab, data }. */
const pending = new Map();
/** rank 0: per seq, the vectors received so far (index = rank). */
const parts = new Map();
/** rank 0: socket per peer rank. */
const peers = new Map();
/** rank 0: peer rank -> "address:port" (for messages). */
const peerAddr = new Map();
let upstream = null;
let masterAddr = '';
let failure = null;

function finish(sab, values, error) {
  const ctrl = new Int32Array(sab, 0, 2);
  if (error) {
    const bytes = Buffer.from(error.slice(0, 1000), 'utf8');
    new Uint8Array(sab, 8, bytes.length).set(bytes);
    ctrl[1] = bytes.length;
    Atomics.store(ctrl, 0, 2);
  } else {
    new (values instanceof Float32Array ? Float32Array : Float64Array)(sab, 8, values.length).set(values);
    Atomics.store(ctrl, 0, 1);
  }
  Atomics.notify(ctrl, 0);
}

function fail(message) {
  if (failure) return;
  failure = message;
  for (const [, p] of pending) finish(p.sab, null, message);
  pending.clear();
  parentPort.postMessage({ type: 'failed', message });
}

/** Header: u32 length of the rest, u32 seq, u32 kind (0 float64, 1 float32); then the raw values. */
function frame(seq, values) {
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  const head = Buffer.allocUnsafe(12);
  head.writeUInt32LE(8 + bytes.length, 0);
  head.writeUInt32LE(seq, 4);
  head.writeUInt32LE(values instanceof Float32Array ? 1 : 0, 8);
  return Buffer.concat([head, bytes]);
}

/** Calls `onFrame(seq, values)` for every complete frame on `sock`. */
function readFrames(sock, onFrame) {
  let chunks = [];
  let have = 0;
  sock.on('data', (d) => {
    chunks.push(d);
    have += d.length;
    for (;;) {
      if (have < 4) return;
      if (chunks[0].length < 4) chunks = [Buffer.concat(chunks)];
      const len = chunks[0].readUInt32LE(0);
      // join the chunks only once the whole frame is there (large gradient buckets arrive in many)
      if (have < 4 + len) return;
      if (chunks.length > 1) chunks = [Buffer.concat(chunks)];
      const buf = chunks[0];
      const seq = buf.readUInt32LE(4);
      const Type = buf.readUInt32LE(8) === 1 ? Float32Array : Float64Array;
      // a copy: aligned, and independent of the socket's buffer
      const raw = new Uint8Array(buf.subarray(12, 4 + len));
      const vals = new Type(raw.buffer, 0, raw.byteLength / Type.BYTES_PER_ELEMENT);
      chunks = have > 4 + len ? [buf.subarray(4 + len)] : [];
      have -= 4 + len;
      onFrame(seq, vals);
    }
  });
}

/** rank 0: sums one call once every rank's vector is there. */
function tryReduce(seq) {
  const got = parts.get(seq);
  if (!got || got.filter(Boolean).length < worldSize) return;
  parts.delete(seq);
  const n = got[0].length;
  for (let r = 1; r < worldSize; r++) {
    if (got[r].length !== n) return fail(`sync all-reduce #${seq}: rank ${r} sent ${got[r].length} values, rank 0 has ${n} (the ranks run different models or batch shapes)`);
  }
  // in rank order, in the values' own precision: every rank gets the same bits
  const sum = got[0].slice();
  for (let r = 1; r < worldSize; r++) {
    const part = got[r];
    for (let i = 0; i < n; i++) sum[i] += part[i];
  }
  for (const [, s] of peers) s.write(frame(seq, sum));
  const p = pending.get(seq);
  pending.delete(seq);
  if (p) finish(p.sab, sum);
}

function addPart(seq, r, vals) {
  if (!parts.has(seq)) parts.set(seq, new Array(worldSize).fill(null));
  parts.get(seq)[r] = vals;
  tryReduce(seq);
}

function listen() {
  const server = net.createServer((sock) => {
    sock.setNoDelay(true);
    let peer = -1;
    const where = `${sock.remoteAddress}:${sock.remotePort}`;
    readFrames(sock, (seq, vals) => {
      if (peer < 0) {
        // first frame: the peer's rank
        peer = vals[0];
        peers.set(peer, sock);
        peerAddr.set(peer, where);
        if (peers.size === worldSize - 1) parentPort.postMessage({ type: 'connected' });
        return;
      }
      addPart(seq, peer, vals);
    });
    sock.on('error', () => {});
    sock.on('close', () => {
      if (peer >= 0 && !stopping) fail(`sync all-reduce: lost the connection to rank ${peer} (${peerAddr.get(peer)})`);
    });
  });
  server.on('error', (e) => fail(`sync all-reduce: rank 0 cannot listen on ${bindAddr}: ${e.message}`));
  server.listen(0, bindAddr, () => {
    const a = server.address();
    parentPort.postMessage({ type: 'ready', endpoint: `${a.address}:${a.port}` });
  });
}

function connect(endpoint) {
  const i = endpoint.lastIndexOf(':');
  masterAddr = endpoint;
  upstream = net.connect({ host: endpoint.slice(0, i), port: Number(endpoint.slice(i + 1)) });
  upstream.setNoDelay(true);
  upstream.on('connect', () => {
    upstream.write(frame(0, Float64Array.of(rank)));
    parentPort.postMessage({ type: 'connected' });
  });
  readFrames(upstream, (seq, vals) => {
    const p = pending.get(seq);
    pending.delete(seq);
    if (p) finish(p.sab, vals);
  });
  upstream.on('error', (e) => fail(`sync all-reduce: connection to rank 0 (${masterAddr}) failed: ${e.message}`));
  upstream.on('close', () => {
    if (!stopping) fail(`sync all-reduce: lost the connection to rank 0 (${masterAddr})`);
  });
}

let stopping = false;
parentPort.on('message', (m) => {
  if (m.type === 'listen') listen();
  else if (m.type === 'connect') connect(m.endpoint);
  else if (m.type === 'reduce') {
    if (failure) return finish(m.sab, null, failure);
    pending.set(m.seq, { sab: m.sab });
    if (rank === 0) addPart(m.seq, 0, m.data);
    else upstream.write(frame(m.seq, m.data));
  } else if (m.type === 'stop') {
    stopping = true;
    for (const [, s] of peers) s.destroy();
    if (upstream) upstream.destroy();
    process.exit(0);
  }
});
