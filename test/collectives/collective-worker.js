'use strict';
/**
 * One rank of the collectives tests (plain node, so a rank starts fast):
 *   node collective-worker.js <gloo|mpi> <suite|kill|timeout>
 * Gloo ranks read RANK, WORLD_SIZE and STORE ('tcp:HOST:PORT' or 'file:DIR'); MPI ranks come
 * from mpirun. Each rank writes what it observed to $OUT/rank<r>.json; the test compares.
 */
const fs = require('fs');
const path = require('path');
const { initGloo, initMpi } = require('@fer-mm/collectives');

const [engineName, scenario] = process.argv.slice(2);
const timeoutMs = Number(process.env.TIMEOUT_MS || 20000);

function init() {
  if (engineName === 'mpi') return initMpi({ timeoutMs, progress: process.env.PROGRESS || 'test' });
  const spec = process.env.STORE;
  const store = spec.startsWith('tcp:')
    ? { kind: 'tcp', host: spec.split(':')[1], port: Number(spec.split(':')[2]) }
    : { kind: 'file', path: spec.slice('file:'.length) };
  return initGloo({ rank: Number(process.env.RANK), size: Number(process.env.WORLD_SIZE), store, timeoutMs });
}

function errorFields(e) {
  return { name: e.name, engine: e.engine, op: e.op, timedOut: e.timedOut, message: e.message };
}

/** Rank r's contribution: exact float32 integers and halves, so sums and means compare exactly. */
const contribution = (rank) => new Float32Array([rank + 1, -(rank + 1) * 0.5, 1e6 + rank, 0]);
const bytesOf = (rank) => Uint8Array.from({ length: rank * 3 }, (_, i) => (rank * 31 + i) % 256);
const list = (a) => Array.from(a);

async function suite(e) {
  const r = e.rank;
  const out = { rank: r, size: e.size, info: e.info };
  const sum = contribution(r);
  e.allReduce(sum);
  out.sum = list(sum);
  const mean = contribution(r);
  e.allReduce(mean, 'mean');
  out.mean = list(mean);
  const bcastBytes = Uint8Array.from([r, r + 1, r + 2]);
  e.broadcast(bcastBytes, e.size - 1);
  out.bcastBytes = list(bcastBytes);
  const bcastFloat = new Float32Array([r + 0.25, -r - 1]);
  e.broadcast(bcastFloat, 0);
  out.bcastFloat = list(bcastFloat);
  out.gather = e.allGather(bytesOf(r)).map(list);
  e.barrier();
  // async variants
  const asyncSum = contribution(r);
  await e.allReduceAsync(asyncSum);
  out.asyncSum = list(asyncSum);
  const asyncMean = contribution(r);
  await e.allReduceAsync(asyncMean, 'mean');
  out.asyncMean = list(asyncMean);
  const asyncBcast = Uint8Array.from([7 * r, 7 * r + 1]);
  await e.broadcastAsync(asyncBcast, 0);
  out.asyncBcast = list(asyncBcast);
  out.asyncGather = (await e.allGatherAsync(Buffer.from(`rank-${r}`.repeat(r)))).map((b) => Buffer.from(b).toString());
  await e.barrierAsync();
  // mixed: async calls queued ahead of sync ones run first, on every rank in the same order
  const a = new Float32Array([r + 1]);
  const b = new Float32Array([10 * (r + 1)]);
  const c = Uint8Array.from([r + 100]);
  const pa = e.allReduceAsync(a);
  const pc = e.broadcastAsync(c, e.size - 1);
  e.allReduce(b, 'mean');
  const pg = e.allGatherAsync(Uint8Array.from([r]));
  const gathered = e.allGather(Uint8Array.from([r, r]));
  await Promise.all([pa, pc]);
  out.mixed = { a: list(a), b: list(b), c: list(c), g: (await pg).map(list), gathered: gathered.map(list) };
  // many consecutive collectives: sync, then a burst of async ones in flight together
  const many = [];
  for (let k = 0; k < 200; k++) {
    const x = new Float32Array([k * (r + 1)]);
    e.allReduce(x);
    many.push(x[0]);
  }
  out.many = many;
  const burst = Array.from({ length: 100 }, (_, k) => new Float32Array([k + r]));
  await Promise.all(burst.map((x) => e.allReduceAsync(x)));
  out.burst = burst.map((x) => x[0]);
  const big = Float32Array.from({ length: 1 << 20 }, (_, i) => (i % 1000) * (r + 1));
  await e.allReduceAsync(big);
  out.bigChecksum = [big[0], big[999], big[1000], big[(1 << 20) - 1]];
  e.barrier();
  e.close();
  e.close(); // idempotent
  out.afterClose = {};
  for (const [name, call] of [
    ['allReduce', () => e.allReduce(new Float32Array(1))],
    ['allReduceAsync', () => e.allReduceAsync(new Float32Array(1))],
    ['broadcast', () => e.broadcast(new Uint8Array(1), 0)],
    ['allGatherAsync', () => e.allGatherAsync(new Uint8Array(1))],
    ['barrier', () => e.barrier()],
  ]) {
    try {
      await call();
      out.afterClose[name] = 'no error';
    } catch (error) {
      out.afterClose[name] = errorFields(error);
    }
  }
  return out;
}

/** The last rank dies with SIGKILL after a barrier; the others report how their next collective ended. */
async function kill(e) {
  e.barrier();
  if (e.rank === e.size - 1) process.kill(process.pid, 'SIGKILL');
  await new Promise((resolve) => setTimeout(resolve, 300));
  const started = Date.now();
  try {
    e.allReduce(new Float32Array(1024));
    return { rank: e.rank, error: null };
  } catch (error) {
    return { rank: e.rank, error: errorFields(error), elapsedMs: Date.now() - started };
  }
}

/** The last rank stays alive but stops taking part; the others' next collective must hit its deadline. */
async function timeout(e) {
  e.barrier();
  if (e.rank === e.size - 1) {
    await new Promise((resolve) => setTimeout(resolve, Number(process.env.IDLE_MS || 4000)));
    return { rank: e.rank, idle: true };
  }
  e.setTimeout(Number(process.env.OP_TIMEOUT_MS || 1000));
  const started = Date.now();
  try {
    await e.allReduceAsync(new Float32Array(16));
    return { rank: e.rank, error: null };
  } catch (error) {
    const after = (() => {
      try {
        e.barrier();
        return 'no error';
      } catch (later) {
        return errorFields(later);
      }
    })();
    return { rank: e.rank, error: errorFields(error), elapsedMs: Date.now() - started, after };
  }
}

(async () => {
  // ranks of a real launch start in any order: the store's clients retry until rank 0 serves it
  const delay = Number(process.env.START_DELAY_MS || 0);
  if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
  const engine = await init();
  const run = { suite, kill, timeout }[scenario];
  const result = await run(engine);
  fs.writeFileSync(path.join(process.env.OUT, `rank${engine.rank}.json`), JSON.stringify(result));
  process.exit(0);
})().catch((error) => {
  console.error(`rank ${process.env.RANK ?? process.env.OMPI_COMM_WORLD_RANK}: ${error && error.stack}`);
  process.exit(1);
});
