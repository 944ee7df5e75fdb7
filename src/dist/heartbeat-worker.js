/*
 * Heartbeat thread of one rank (plain CommonJS so it starts the same under
 * node, tsx and jest). It runs beside the main thread, whose event loop can be
 * blocked for a long time by synchronous tfjs kernels, so liveness is judged
 * here and never by the main thread.
 *
 * Every rank sends {rank, trace} to rank 0's monitor every `intervalMs` and
 * receives the table of all ranks' traces back. Rank 0 aborts the job when a
 * rank is silent for `livenessMs` or reports an error; the other ranks abort
 * when rank 0 is silent for `livenessMs`. An abort is posted to the main
 * thread; if the process is still alive `graceMs` later it is killed from here.
 */
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const zmq = require(workerData.zmqPath);

const { rank, worldSize, intervalMs, livenessMs, graceMs, launcherPid, host, pid } = workerData;
const trace = new Int32Array(workerData.traceSab);
const OPS = workerData.opNames;
const PHASES = ['idle', 'waiting', 'done'];

let router = null; // rank 0 only
let dealer = null;
let started = false;
let stopping = false;
let aborted = false;
let lastReply = Date.now();
let lastTick = Date.now();
const lastSeen = new Array(worldSize).fill(-1);
const traces = new Array(worldSize).fill(null);
const identities = new Array(worldSize).fill(null);
const gone = new Array(worldSize).fill(false);

function snapshot() {
  return { seq: Atomics.load(trace, 0), op: OPS[Atomics.load(trace, 1)] || 'none', phase: PHASES[Atomics.load(trace, 2)] || 'idle' };
}

function table() {
  const now = Date.now();
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
  return t.seq === 0 ? `no collective yet (pid ${t.pid}@${t.host})` : `last collective #${t.seq} ${t.op} (${t.phase}) (pid ${t.pid}@${t.host})`;
}

function abortLocal(message, failedRank) {
  if (aborted) return;
  aborted = true;
  parentPort.postMessage({ type: 'abort', message, failedRank, table: table() });
  const t = setTimeout(() => {
    // fd 2 directly: process.stderr of a worker is relayed by the (blocked) main thread.
    require('node:fs').writeSync(2, `[rank ${rank}] ${message}\n[rank ${rank}] main thread did not stop within ${graceMs / 1000} s; killing this process\n`);
    process.kill(process.pid, 'SIGKILL');
  }, graceMs);
  t.unref && t.unref();
}

async function broadcastAbort(message, failedRank) {
  const body = JSON.stringify({ type: 'abort', message, failedRank });
  for (let r = 0; r < worldSize; r++) {
    if (identities[r] && r !== rank) {
      try { await router.send([identities[r], body]); } catch (e) { /* peer gone */ }
    }
  }
  abortLocal(message, failedRank);
}

async function routerLoop() {
  for await (const [id, raw] of router) {
    let msg;
    try { msg = JSON.parse(raw.toString()); } catch (e) { continue; }
    const r = msg.rank;
    if (typeof r !== 'number' || r < 0 || r >= worldSize) continue;
    identities[r] = id;
    if (msg.type === 'hb') {
      lastSeen[r] = Date.now();
      traces[r] = msg.trace;
      if (aborted) continue;
      try { await router.send([id, JSON.stringify({ type: 'table', table: table() })]); } catch (e) { /* ignore */ }
    } else if (msg.type === 'error') {
      lastSeen[r] = Date.now();
      if (!aborted) await broadcastAbort(`rank ${r} failed: ${msg.message}`, r);
    } else if (msg.type === 'bye') {
      gone[r] = true;
    }
  }
}

async function dealerLoop() {
  for await (const [raw] of dealer) {
    let msg;
    try { msg = JSON.parse(raw.toString()); } catch (e) { continue; }
    lastReply = Date.now();
    if (msg.type === 'table') parentPort.postMessage(msg);
    else if (msg.type === 'abort') abortLocal(msg.message, msg.failedRank);
  }
}

function tick() {
  const now = Date.now();
  // A stalled tick (machine overloaded, debugger) must not read as silence.
  if (now - lastTick > 3 * intervalMs) {
    lastReply = now;
    for (let r = 0; r < worldSize; r++) if (lastSeen[r] >= 0) lastSeen[r] = now;
  }
  lastTick = now;
  if (launcherPid && process.ppid !== launcherPid && !aborted && !stopping) {
    abortLocal(`the launcher (pid ${launcherPid}) is gone; stopping rank ${rank}`, undefined);
  }
  if (dealer && !stopping) {
    dealer.send(JSON.stringify({ type: 'hb', rank, trace: { ...snapshot(), pid, host } })).catch(() => {});
  }
  if (!started || aborted || stopping) return;
  if (router) {
    for (let r = 0; r < worldSize; r++) {
      if (gone[r] || r === rank) continue;
      if (now - lastSeen[r] > livenessMs) {
        void broadcastAbort(
          `rank ${r} sent no heartbeat for ${(livenessMs / 1000).toFixed(0)} s (${describe(r)}): it died, was stopped or its machine is unreachable`,
          r,
        );
        return;
      }
    }
  } else if (now - lastReply > livenessMs) {
    abortLocal(`lost contact with rank 0 (the master) for ${(livenessMs / 1000).toFixed(0)} s: it died or its machine is unreachable`, 0);
  }
}

async function main() {
  if (rank === 0) {
    router = new zmq.Router({ linger: 0 });
    await router.bind(`tcp://${workerData.bindAddr}:*`);
    void routerLoop().catch(() => {});
    parentPort.postMessage({ type: 'ready', endpoint: router.lastEndpoint });
  } else {
    parentPort.postMessage({ type: 'ready', endpoint: null });
  }
  const timer = setInterval(tick, intervalMs);
  parentPort.on('message', async (m) => {
    if (m.type === 'connect') {
      dealer = new zmq.Dealer({ routingId: `hb${rank}`, linger: 1000 });
      dealer.connect(m.endpoint);
      void dealerLoop().catch(() => {});
      tick();
    } else if (m.type === 'started') {
      started = true;
      lastReply = Date.now();
      for (let r = 0; r < worldSize; r++) lastSeen[r] = Date.now();
    } else if (m.type === 'fail') {
      if (router) await broadcastAbort(`rank ${rank} failed: ${m.message}`, rank);
      else if (dealer) await dealer.send(JSON.stringify({ type: 'error', rank, message: m.message })).catch(() => {});
      parentPort.postMessage({ type: 'failSent' });
    } else if (m.type === 'bye') {
      stopping = true;
      if (dealer) await dealer.send(JSON.stringify({ type: 'bye', rank })).catch(() => {});
      parentPort.postMessage({ type: 'byeSent' });
    } else if (m.type === 'stop') {
      clearInterval(timer);
      stopping = true;
      if (dealer) dealer.close();
      if (router) router.close();
      parentPort.close();
    }
  });
}

main().catch((e) => {
  parentPort.postMessage({ type: 'abort', message: `heartbeat thread of rank ${rank} failed: ${e && e.message}`, failedRank: rank, table: [] });
});
