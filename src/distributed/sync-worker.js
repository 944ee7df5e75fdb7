/**
 * Worker thread of the blocking all-reduce (`sync-channel.ts`). Runs the
 * sockets while the main thread waits in Atomics.wait inside a tfjs forward or
 * gradient function, where awaiting a promise is impossible. A star over plain
 * TCP: ranks > 0 send their vector to rank 0, which sums in rank order (so
 * every rank gets bit-identical float64 sums) and sends the result back.
 * Frames: u32 byte length, u32 sequence number, float64 values.
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
    new Float64Array(sab, 8, values.length).set(values);
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

function frame(seq, values) {
  const b = Buffer.allocUnsafe(8 + values.length * 8);
  b.writeUInt32LE(4 + values.length * 8, 0);
  b.writeUInt32LE(seq, 4);
  for (let i = 0; i < values.length; i++) b.writeDoubleLE(values[i], 8 + i * 8);
  return b;
}

/** Calls `onFrame(seq, Float64Array)` for every complete frame on `sock`. */
function readFrames(sock, onFrame) {
  let buf = Buffer.alloc(0);
  sock.on('data', (d) => {
    buf = Buffer.concat([buf, d]);
    while (buf.length >= 4) {
      const len = buf.readUInt32LE(0);
      if (buf.length < 4 + len) break;
      const seq = buf.readUInt32LE(4);
      const n = (len - 4) / 8;
      const vals = new Float64Array(n);
      for (let i = 0; i < n; i++) vals[i] = buf.readDoubleLE(8 + i * 8);
      buf = buf.subarray(4 + len);
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
  const sum = new Float64Array(n);
  for (let r = 0; r < worldSize; r++) for (let i = 0; i < n; i++) sum[i] += got[r][i];
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
    upstream.write(frame(0, [rank]));
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
