/*
 * Heartbeat thread of one rank (plain CommonJS so it starts the same under
 * node, tsx and jest; plain TCP because a native addon's sockets in a worker
 * thread abort the process on process.exit). It runs beside the main thread,
 * whose event loop can be blocked for a long time by synchronous tfjs
 * kernels, so liveness is judged here and never by the main thread.
 *
 * Every rank keeps a TCP connection to rank 0's monitor and sends its trace
 * every `intervalMs`; it gets the table of all ranks' traces back. Rank 0
 * aborts the job when a rank's connection drops (the process died), when it is
 * silent for `livenessMs`, or when it reports an error; the other ranks abort
 * when they lose rank 0. An abort is posted to the main thread; if the process
 * is still alive `graceMs` later it is killed from here.
 */
'use strict';
const net = require('node:net');
const fs = require('node:fs');
const { parentPort, workerData } = require('node:worker_threads');

const { rank, worldSize, intervalMs, livenessMs, graceMs, launcherPid, host, pid } = workerData;
const trace = new Int32Array(workerData.traceSab);
const OPS = workerData.opNames;
const PHASES = ['idle', 'waiting', 'done'];

let server = null; // rank 0 only
let client = null;
let started = false;
let stopping = false;
let aborted = false;
let lastReply = Date.now();
let lastTick = Date.now();
const lastSeen = new Array(worldSize).fill(-1);
const traces = new Array(worldSize).fill(null);
const conns = new Array(worldSize).fill(null);
const gone = new Array(worldSize).fill(false);
// rank 0: each rank's address as seen on its heartbeat connection; others: rank 0's endpoint
const addrs = new Array(worldSize).fill(null);
let masterEndpoint = '';
// Other ranks: the last table rank 0 sent, and when (see table()).
let masterTable = null;
let masterTableAt = 0;

function snapshot() {
  return { seq: Atomics.load(trace, 0), op: OPS[Atomics.load(trace, 1)] || 'none', phase: PHASES[Atomics.load(trace, 2)] || 'idle' };
}

/**
 * Rank 0: the traces it received. Other ranks: rank 0's last table with this
 * rank's own row replaced by its live trace and the other rows aged by the
 * time since that table came, so a table printed after rank 0 died is fresh
 * where it can be and says how old it is elsewhere.
 */
function table() {
  const now = Date.now();
  if (rank !== 0) {
    const base = masterTable || Array.from({ length: worldSize }, (_, r) => ({ rank: r, seq: 0, op: 'none', phase: 'idle', ageS: -1 }));
    const since = masterTable ? (now - masterTableAt) / 1000 : 0;
    return base.map((row) =>
      row.rank === rank ? { ...row, ...snapshot(), pid, host, ageS: 0 } : { ...row, ageS: row.ageS < 0 ? -1 : row.ageS + since },
    );
  }
  return traces.map((t, r) => ({
    rank: r,
    seq: t ? t.seq : 0,
    op: t ? t.op : 'none',
    phase: t ? t.phase : 'idle',
    pid: t ? t.pid : undefined,
    host: t ? t.host : undefined,
    ageS: lastSeen[r] < 0 ? -1 : (now - lastSeen[r]) / 1000,
  }));
}

function describe(r) {
  const t = traces[r];
  if (!t) return 'no heartbeat received';
  const where = t.seq === 0 ? 'no collective yet' : `last collective #${t.seq} ${t.op} (${t.phase})`;
  return `${where}, pid ${t.pid}@${t.host}${addrs[r] ? `, address ${addrs[r]}` : ''}`;
}

function abortLocal(message, failedRank) {
  if (aborted) return;
  aborted = true;
  parentPort.postMessage({ type: 'abort', message, failedRank, table: table() });
  const t = setTimeout(() => {
    // fd 2 directly: process.stderr of a worker is relayed by the (blocked) main thread.
    fs.writeSync(2, `[rank ${rank}] ${message}\n[rank ${rank}] main thread did not stop within ${graceMs / 1000} s; killing this process\n`);
    process.kill(process.pid, 'SIGKILL');
  }, graceMs);
  t.unref();
}

function sendLine(sock, obj) {
  if (sock && !sock.destroyed) sock.write(JSON.stringify(obj) + '\n');
}

function broadcastAbort(message, failedRank) {
  if (aborted) return;
  for (let r = 0; r < worldSize; r++) if (r !== rank) sendLine(conns[r], { type: 'abort', message, failedRank });
  abortLocal(message, failedRank);
}

/** Calls `onMsg` for each JSON line received on `sock`. */
function lines(sock, onMsg) {
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (chunk) => {
    buf += chunk;
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      let msg;
      try {
        msg = JSON.parse(line);
      } catch (e) {
        continue;
      }
      onMsg(msg);
    }
  });
}

function onServerConnection(sock) {
  sock.setNoDelay(true);
  let r = -1;
  lines(sock, (msg) => {
    if (typeof msg.rank !== 'number' || msg.rank < 0 || msg.rank >= worldSize) return;
    r = msg.rank;
    conns[r] = sock;
    addrs[r] = (sock.remoteAddress || '').replace(/^::ffff:/, '');
    if (msg.type === 'hb') {
      lastSeen[r] = Date.now();
      traces[r] = msg.trace;
      if (!aborted) sendLine(sock, { type: 'table', table: table() });
    } else if (msg.type === 'error') {
      lastSeen[r] = Date.now();
      broadcastAbort(`rank ${r} failed: ${msg.message}`, r);
    } else if (msg.type === 'bye') {
      gone[r] = true;
    }
  });
  sock.on('error', () => {});
  sock.on('close', () => {
    if (r < 0 || gone[r] || aborted || stopping || r === rank) return;
    broadcastAbort(`rank ${r}'s connection closed unexpectedly (${describe(r)}): the process died or was killed`, r);
  });
}

function connectClient(endpoint, attempt) {
  const [h, p] = [endpoint.slice(0, endpoint.lastIndexOf(':')), Number(endpoint.slice(endpoint.lastIndexOf(':') + 1))];
  const sock = net.connect({ host: h, port: p });
  sock.setNoDelay(true);
  masterEndpoint = endpoint;
  let connected = false;
  sock.on('connect', () => {
    connected = true;
    client = sock;
    lastReply = Date.now();
    tick();
  });
  lines(sock, (msg) => {
    lastReply = Date.now();
    if (msg.type === 'table') {
      if (Array.isArray(msg.table)) {
        masterTable = msg.table;
        masterTableAt = Date.now();
      }
      parentPort.postMessage(msg);
    } else if (msg.type === 'abort') abortLocal(msg.message, msg.failedRank);
  });
  sock.on('error', () => {});
  sock.on('close', () => {
    client = null;
    if (stopping || aborted) return;
    if (!connected && attempt < 20) {
      setTimeout(() => connectClient(endpoint, attempt + 1), 250).unref();
      return;
    }
    abortLocal(`lost the connection to rank 0 (the master, ${masterEndpoint}): it died or its machine is unreachable`, 0);
  });
}

function tick() {
  const now = Date.now();
  // A stalled tick (overloaded machine, debugger) must not read as silence.
  if (now - lastTick > 3 * intervalMs) {
    lastReply = now;
    for (let r = 0; r < worldSize; r++) if (lastSeen[r] >= 0) lastSeen[r] = now;
  }
  lastTick = now;
  if (launcherPid && process.ppid !== launcherPid && !aborted && !stopping) {
    abortLocal(`the launcher (pid ${launcherPid}) is gone; stopping rank ${rank}`, undefined);
  }
  if (!stopping) sendLine(client, { type: 'hb', rank, trace: { ...snapshot(), pid, host } });
  if (!started || aborted || stopping) return;
  if (server) {
    for (let r = 0; r < worldSize; r++) {
      if (gone[r] || r === rank) continue;
      if (now - lastSeen[r] > livenessMs) {
        broadcastAbort(`rank ${r} sent no heartbeat for ${(livenessMs / 1000).toFixed(0)} s (${describe(r)}): it hangs outside JavaScript, was stopped, or its machine is unreachable`, r);
        return;
      }
    }
  } else if (now - lastReply > livenessMs) {
    abortLocal(`no reply from rank 0 (the master, ${masterEndpoint}) for ${(livenessMs / 1000).toFixed(0)} s: it died or its machine is unreachable`, 0);
  }
}

function main() {
  const timer = setInterval(tick, intervalMs);
  parentPort.on('message', (m) => {
    if (m.type === 'connect') {
      connectClient(m.endpoint, 0);
    } else if (m.type === 'started') {
      started = true;
      lastReply = Date.now();
      for (let r = 0; r < worldSize; r++) lastSeen[r] = Date.now();
    } else if (m.type === 'fail') {
      if (server) broadcastAbort(`rank ${rank} failed: ${m.message}`, rank);
      else sendLine(client, { type: 'error', rank, message: m.message });
      const done = () => parentPort.postMessage({ type: 'failSent' });
      if (client && !client.destroyed && !server) client.write('', done);
      else setTimeout(done, 50);
    } else if (m.type === 'bye') {
      stopping = true;
      sendLine(client, { type: 'bye', rank });
      const ack = () => parentPort.postMessage({ type: 'byeSent' });
      if (server) {
        // The master leaves last: a rank still finishing must not see it vanish.
        const t0 = Date.now();
        const wait = () => {
          const pending = conns.filter((c, r) => r !== rank && c && !c.destroyed && !gone[r]);
          if (pending.length === 0 || Date.now() - t0 > m.timeoutMs) ack();
          else setTimeout(wait, 20);
        };
        wait();
      } else if (client && !client.destroyed) client.write('', ack);
      else ack();
    } else if (m.type === 'stop') {
      clearInterval(timer);
      stopping = true;
      if (client) client.end();
      if (server) {
        for (const c of conns) if (c) c.destroy();
        server.close();
      }
      parentPort.close();
    }
  });
  if (rank === 0) {
    server = net.createServer(onServerConnection);
    server.on('error', (e) => parentPort.postMessage({ type: 'abort', message: `rank 0 monitor failed: ${e.message}`, failedRank: 0, table: [] }));
    server.listen(0, workerData.bindAddr, () => {
      const a = server.address();
      parentPort.postMessage({ type: 'ready', endpoint: `${a.address}:${a.port}` });
    });
  } else {
    parentPort.postMessage({ type: 'ready', endpoint: null });
  }
}

main();
