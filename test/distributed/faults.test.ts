/** Hangs become errors naming the missing rank; failures stop every rank; no orphans. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { PEER_ABORT_EXIT_CODE, tsxExecArgv } from '../../src/distributed/launcher';
import { WORKERS, alive, expectOk, launch, runTs, sleep, tmpDir } from './helpers';

const FAULTS = path.join(WORKERS, 'faults.ts');

function pids(dir: string): number[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('pid'))
    .map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8')));
}

describe('collective timeouts', () => {
  it('a rank that skips a barrier is named, with the last collective of each rank', async () => {
    const dir = tmpDir('skip');
    const res = await launch('faults.ts', ['skip-barrier', dir], 2, { T_TIMEOUT_MS: '2000' });
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toMatch(/collective #3 barrier\('everyone'\) timed out after 2\.0 s/);
    expect(res.stderr).toMatch(/Rank\(s\) that did not arrive: 1\./);
    expect(res.stderr).toMatch(/rank 1: #2 broadcast \(done\), heartbeat [\d.]+ s ago, pid \d+/);
    expect(res.ms).toBeLessThan(12_000); // rank 1 was sleeping 15 s: it was stopped
  });

  it('ranks calling different collectives or passing different buffers get a mismatch error at once', async () => {
    const dir = tmpDir('mismatch');
    const res = await launch('faults.ts', ['mismatch', dir], 2, { T_TIMEOUT_MS: '20000' });
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toMatch(/collective mismatch at #3: rank \d called (barrier|allGatherObjects)/);
    expect(res.ms).toBeLessThan(10_000);
    const res2 = await launch('faults.ts', ['len-mismatch', tmpDir('len')], 2, { T_TIMEOUT_MS: '20000' });
    expect(res2.exitCode).not.toBe(0);
    expect(res2.stderr).toMatch(/allReduce #3: rank \d contributes a different buffer \(length:layout-hash 1[02]:\w+ vs 1[02]:\w+ here/);
    expect(res2.ms).toBeLessThan(10_000);
  });

  it('a rank that never starts: the rendezvous timeout names it', async () => {
    const dir = tmpDir('rdv');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const env = { RANK: '0', WORLD_SIZE: '3', LOCAL_RANK: '0', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), DIST_RENDEZVOUS_TIMEOUT_S: '1.5' };
    const res = await runTs(FAULTS, ['loop', dir, '--launcher', 'pytorch'], env);
    expect(res.code).toBe(1);
    expect(res.output).toMatch(/rendezvous timed out after 1\.5 s: rank\(s\) 1, 2 of 3 did not join \(joined: 0\)/);
  });

  it('a rank busy in long synchronous compute is not declared dead', async () => {
    const dir = tmpDir('busy');
    const res = await launch('faults.ts', ['busy', dir], 2, { DIST_LIVENESS_S: '2', T_BUSY_MS: '4000' });
    expectOk(res);
    expect(fs.existsSync(path.join(dir, 'ok0')) && fs.existsSync(path.join(dir, 'ok1'))).toBe(true);
  });
});

describe('failures stop the whole job', () => {
  it('a rank that throws: every rank exits non-zero showing its error', async () => {
    const dir = tmpDir('throw');
    const res = await launch('faults.ts', ['throw', dir], 3);
    expect(res.exitCode).not.toBe(0);
    expect(res.failedRank).toBe(2);
    expect(res.stderr).toMatch(/\[rank 2\] Error: boom at step 3/);
    // the other ranks print the failing rank's error
    expect(res.stderr).toMatch(/\[rank 1\] rank 1: job aborted: rank 2 failed: Error: boom at step 3/);
    expect(res.stderr).toMatch(/job failed: rank 2 exited with code 1/);
    expect(res.stderr).toMatch(/rank 0: job aborted: rank 2 failed: Error: boom/);
    expect(res.ms).toBeLessThan(30_000);
    await sleep(200);
    for (const pid of pids(dir)) expect(alive(pid)).toBe(false);
  });

  it('a worker killed mid-run (SIGKILL) ends the job with an error, no hang, no orphans', async () => {
    const dir = tmpDir('kill');
    // The tool path: the script launches itself with --launcher multi-gpu.
    const res = await runTs(FAULTS, ['kill', dir, '--launcher', 'multi-gpu', '--gpus', '3']);
    expect(res.code).not.toBe(0);
    expect(res.output).toMatch(/\[launcher\] rank \d \(pid \d+\) (was killed by SIGKILL|stopped because another rank failed); stopping the other rank\(s\)/);
    expect(res.output).toMatch(/job aborted: rank 1's connection closed unexpectedly/);
    expect(res.output).toMatch(/job failed: rank 1 was killed by SIGKILL/);
    expect(res.ms).toBeLessThan(30_000);
    await sleep(200);
    const ps = pids(dir);
    expect(ps).toHaveLength(3);
    for (const pid of ps) expect(alive(pid)).toBe(false);
  });

  it('Ctrl-C (SIGINT) on the launcher stops every rank', async () => {
    const dir = tmpDir('sigint');
    let launcherPid = 0;
    const done = runTs(FAULTS, ['loop', dir, '--launcher', 'multi-gpu', '--gpus', '2'], {}, (p) => (launcherPid = p));
    for (let i = 0; i < 100 && pids(dir).length < 2; i++) await sleep(100);
    expect(pids(dir)).toHaveLength(2);
    await sleep(300);
    process.kill(launcherPid, 'SIGINT');
    const res = await done;
    expect(res.code).toBe(130);
    expect(res.output).toMatch(/\[launcher\] SIGINT: stopping all 2 rank\(s\)/);
    await sleep(200);
    for (const pid of pids(dir)) expect(alive(pid)).toBe(false);
  });

  async function external(tag: string, liveness: string) {
    const dir = tmpDir(tag);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const start = (rank: number) =>
      spawn(process.execPath, [...tsxExecArgv(), FAULTS, 'loop', dir, '--launcher', 'pytorch'], {
        env: { ...process.env, RANK: String(rank), WORLD_SIZE: '2', LOCAL_RANK: String(rank), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), DIST_LIVENESS_S: liveness },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const r0 = start(0);
    const r1 = start(1);
    let out0 = '';
    let out1 = '';
    r0.stderr.on('data', (d) => (out0 += d));
    r1.stderr.on('data', (d) => (out1 += d));
    const exit0 = new Promise<number | null>((resolve) => r0.on('close', (c) => resolve(c)));
    const exit1 = new Promise<number | null>((resolve) => r1.on('close', (c) => resolve(c)));
    for (let i = 0; i < 100 && pids(dir).length < 2; i++) await sleep(100);
    await sleep(500);
    return { r0, r1, exit0, exit1, out: () => out0, out1: () => out1 };
  }

  it('external launcher (env contract only): a killed rank is detected at once', async () => {
    const { r1, exit0, out } = await external('ext-kill', '30');
    const t0 = Date.now();
    r1.kill('SIGKILL');
    expect(await exit0).toBe(PEER_ABORT_EXIT_CODE); // stopped because rank 1 died
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(out()).toMatch(/job aborted: rank 1's connection closed unexpectedly \(last collective #\d+ (allReduce|barrier) \((waiting|done)\), pid \d+/);
  });

  it('after rank 0 is killed, rank 1 prints a trace table with its own row fresh', async () => {
    const { r0, exit1, out1 } = await external('ext-kill0', '30');
    await sleep(1500); // several tables from rank 0 have come and aged
    r0.kill('SIGKILL');
    expect(await exit1).not.toBe(0);
    const text = out1();
    expect(text).toMatch(/lost the connection to rank 0/);
    // own row: live trace, heartbeat 0.0 s ago; rank 0's row: the last it reported, aged
    expect(text).toMatch(/Last collective per rank:[\s\S]*rank 1: #\d+ (allReduce|barrier)[^\n]*heartbeat 0\.0 s ago, pid \d+/);
    expect(text).toMatch(/rank 0: #\d+ [^\n]*heartbeat \d+\.\d s ago/);
  });

  it('external launcher: a frozen rank (SIGSTOP) is named after the liveness timeout', async () => {
    const { r1, exit0, out } = await external('ext-stop', '2');
    const t0 = Date.now();
    r1.kill('SIGSTOP');
    try {
      expect(await exit0).toBe(PEER_ABORT_EXIT_CODE);
      expect(Date.now() - t0).toBeLessThan(8_000);
      expect(out()).toMatch(/rank 1 sent no heartbeat for 2 s \(last collective #\d+/);
    } finally {
      r1.kill('SIGKILL');
    }
  });
});
