#!/usr/bin/env node
'use strict';
/**
 * The engines' own all-reduce figures: float32 buffers of 1, 4, 25 and 100 MB between 2 local
 * ranks, median time and bus bandwidth (2(n-1)/n * bytes / time, as nccl-tests reports it),
 * and how well an async all-reduce overlaps a busy JS thread (MPI: each progress strategy).
 *
 *   node packages/collectives/bench/allreduce.js [--engines gloo,mpi] [--sizes 1,4,25,100] [--iters 10]
 *     [--overlap-iters 9] [--no-overlap] [--no-allreduce] [--progress test|wait|blocking]
 *
 * Gloo ranks are local processes over the TCP store; MPI ranks come from
 * `mpirun -n 2 --allow-run-as-root --oversubscribe`. measureAllReduce() is exported for other
 * benchmarks that already hold an engine.
 */
const { spawn } = require('child_process');
const net = require('net');
const path = require('path');

const MB = 1024 * 1024;
const MPI_PROGRESS = ['test', 'wait', 'blocking'];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** Median all-reduce time per size on an engine every rank holds; every rank must call it. */
function measureAllReduce(engine, { sizesMB = [1, 4, 25, 100], iters = 10 } = {}) {
  const rows = [];
  for (const mb of sizesMB) {
    const buf = new Float32Array((mb * MB) / 4).fill(1);
    const n = mb >= 100 ? Math.max(3, Math.ceil(iters / 2)) : iters;
    const times = [];
    for (let i = -2; i < n; i++) {
      engine.barrier();
      const t0 = process.hrtime.bigint();
      engine.allReduce(buf);
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      if (i >= 0) times.push(ms); // two warm-up rounds
    }
    const ms = median(times);
    const busGBs = ((2 * (engine.size - 1)) / engine.size) * ((mb * MB) / 1e9) / (ms / 1e3);
    rows.push({ engine: engine.info.name, mb, ms, busGBs, iters: n });
  }
  return rows;
}

/** Busy JS work for about `ms` (what a backward pass does to the thread). */
function spin(ms) {
  const end = Date.now() + ms;
  let x = 0;
  while (Date.now() < end) for (let i = 0; i < 1e4; i++) x += Math.sqrt(i);
  return x;
}

/**
 * A 25 MB async all-reduce started before ~`computeMs` of busy JS work: overlap = the share of
 * the shorter of the two that was hidden, (comm + compute - both) / min(comm, compute).
 */
async function measureOverlap(engine, { mb = 25, computeMs = 60, iters = 5 } = {}) {
  const buf = new Float32Array((mb * MB) / 4).fill(1);
  const comm = [];
  const both = [];
  const compute = [];
  for (let i = -1; i < iters; i++) {
    engine.barrier();
    let t0 = Date.now();
    await engine.allReduceAsync(buf);
    const c = Date.now() - t0;
    engine.barrier();
    t0 = Date.now();
    spin(computeMs);
    const k = Date.now() - t0;
    engine.barrier();
    t0 = Date.now();
    const pending = engine.allReduceAsync(buf);
    spin(computeMs);
    await pending;
    const b = Date.now() - t0;
    if (i >= 0) comm.push(c), compute.push(k), both.push(b);
  }
  const [c, k, b] = [median(comm), median(compute), median(both)];
  return { commMs: c, computeMs: k, bothMs: b, overlap: Math.max(0, (c + k - b) / Math.min(c, k)) };
}

async function rankMain(engineName, options) {
  const collectives = require('..');
  const engine =
    engineName === 'mpi'
      ? await collectives.initMpi({ progress: options.progress })
      : await collectives.initGloo({
          rank: Number(process.env.RANK),
          size: Number(process.env.WORLD_SIZE),
          store: { kind: 'tcp', host: process.env.MASTER_ADDR, port: Number(process.env.MASTER_PORT) },
        });
  const out = { info: engine.info, progress: options.progress, rows: options.allreduce ? measureAllReduce(engine, options) : [] };
  if (options.overlap) out.overlap = await measureOverlap(engine, { iters: options.overlapIters });
  engine.barrier();
  engine.close();
  if (engine.rank === 0) process.stdout.write(`RESULT ${JSON.stringify(out)}\n`);
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function runJob(command, args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.once('exit', (code) => {
      const line = stdout.split('\n').find((l) => l.startsWith('RESULT '));
      if (code !== 0 || !line) reject(new Error(`${command} ${args.join(' ')} exited with ${code}`));
      else resolve(JSON.parse(line.slice('RESULT '.length)));
    });
  });
}

async function launch(engineName, options) {
  const self = path.join(__dirname, path.basename(module.filename));
  const rankArgs = [self, '--rank-of', engineName, '--sizes', options.sizesMB.join(','), '--iters', String(options.iters), '--overlap-iters', String(options.overlapIters), '--progress', options.progress];
  if (!options.overlap) rankArgs.push('--no-overlap');
  if (!options.allreduce) rankArgs.push('--no-allreduce');
  if (engineName === 'mpi') return runJob('mpirun', ['-n', '2', '--allow-run-as-root', '--oversubscribe', process.execPath, ...rankArgs], {});
  const port = await freePort();
  const env = { MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), WORLD_SIZE: '2' };
  const [rank0] = await Promise.all([
    runJob(process.execPath, rankArgs, { ...env, RANK: '0' }),
    new Promise((resolve) => spawn(process.execPath, rankArgs, { env: { ...process.env, ...env, RANK: '1' }, stdio: 'ignore' }).once('exit', resolve)),
  ]);
  return rank0;
}

function parseArgs(argv) {
  const get = (name, fallback) => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : fallback;
  };
  return {
    rankOf: get('--rank-of', null),
    engines: get('--engines', 'gloo,mpi').split(','),
    sizesMB: get('--sizes', '1,4,25,100').split(',').map(Number),
    iters: Number(get('--iters', '10')),
    overlapIters: Number(get('--overlap-iters', '9')),
    progress: get('--progress', 'test'),
    overlap: !argv.includes('--no-overlap'),
    allreduce: !argv.includes('--no-allreduce'),
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.rankOf) return rankMain(options.rankOf, options);
  const { engineAvailability } = require('..');
  const availability = engineAvailability();
  const results = [];
  for (const name of options.engines) {
    if (!availability[name] || !availability[name].ok) {
      console.log(`${name}: not available (${availability[name] ? availability[name].reason : 'unknown engine'})`);
      continue;
    }
    results.push(await launch(name, options));
    // MPI's overlap under the other progress strategies, without repeating the size sweep
    if (name === 'mpi' && options.overlap) {
      for (const progress of MPI_PROGRESS.filter((p) => p !== options.progress)) results.push(await launch(name, { ...options, progress, allreduce: false }));
    }
  }
  console.log('engine | library | size (MB) | median all-reduce (ms) | bus bandwidth (GB/s)');
  console.log('--- | --- | ---: | ---: | ---:');
  for (const r of results)
    for (const row of r.rows) console.log(`${row.engine} | ${r.info.version} | ${row.mb} | ${row.ms.toFixed(1)} | ${row.busGBs.toFixed(2)}`);
  if (options.overlap) {
    console.log('\nengine | progress | 25 MB async all-reduce alone (ms) | JS busy work alone (ms) | both at once (ms) | overlap');
    console.log('--- | --- | ---: | ---: | ---: | ---:');
    for (const r of results) {
      const o = r.overlap;
      const progress = r.info.name === 'mpi' ? r.progress : '-';
      console.log(`${r.info.name} | ${progress} | ${o.commMs} | ${o.computeMs} | ${o.bothMs} | ${(100 * o.overlap).toFixed(0)}%`);
    }
  }
}

if (require.main === module) {
  main().catch((error) => {
    console.error(error && error.stack);
    process.exit(1);
  });
}

module.exports = { measureAllReduce, measureOverlap };
