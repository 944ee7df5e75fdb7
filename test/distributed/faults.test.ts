/**
 * Failures stop every rank, on each engine: a rank that throws, a rank killed
 * with SIGKILL, a rank that does not arrive (the engine's per-collective
 * deadline), a frozen rank; the launcher names the failed rank; no orphans.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { PEER_ABORT_EXIT_CODE, tsxExecArgv } from '../../src/distributed/launcher';
import { ENGINES, WORKERS, alive, engineUsable, expectOk, launch, launchOn, runTs, sleep, tmpDir } from './helpers';

const FAULTS = path.join(WORKERS, 'faults.ts');

function pids(dir: string): number[] {
  return fs
    .readdirSync(dir)
    .filter((f) => f.startsWith('pid'))
    .map((f) => Number(fs.readFileSync(path.join(dir, f), 'utf8')));
}

/** ms since the last rank wrote its pid (all ranks up): the failures happen right after. */
function sinceRanksUp(dir: string): number {
  const up = Math.max(...fs.readdirSync(dir).filter((f) => f.startsWith('pid')).map((f) => fs.statSync(path.join(dir, f)).mtimeMs));
  return Date.now() - up;
}

async function expectNoOrphans(dir: string, n: number): Promise<void> {
  await sleep(300);
  const ps = pids(dir);
  expect(ps).toHaveLength(n);
  for (const pid of ps) expect(alive(pid)).toBe(false);
}

describe.each(ENGINES)('failures on %s stop the whole job', (engine) => {
  it('a rank that does not arrive: the collective deadline stops every rank, naming the collective', async () => {
    if (!engineUsable(engine)) return;
    const dir = tmpDir('skip');
    const res = await launchOn(engine, 'faults.ts', ['skip-barrier', dir], 2, { T_TIMEOUT_MS: '2000' });
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toMatch(new RegExp(`rank 0: collective #\\d+ barrier\\('everyone'\\) on ${engine} timed out after 2\\.0 s`));
    expect(sinceRanksUp(dir)).toBeLessThan(8_000); // rank 1 was sleeping 15 s: it was stopped
    await expectNoOrphans(dir, 2);
  }, 30_000);

  it('a rank that throws: every rank exits non-zero, the launcher names it', async () => {
    if (!engineUsable(engine)) return;
    const dir = tmpDir('throw');
    const res = await launchOn(engine, 'faults.ts', ['throw', dir], 3, { T_TIMEOUT_MS: '20000' });
    expect(res.exitCode).not.toBe(0);
    expect(res.stderr).toMatch(/Error: boom at step 3/);
    if (engine === 'gloo') {
      expect(res.failedRank).toBe(2);
      expect(res.stderr).toMatch(/job failed: rank 2 exited with code 1/);
      // the others saw rank 2 leave: their collective failed at once, and they are not blamed
      expect(res.stderr).toMatch(/collective #\d+ \w+(\('[\w-]+'\))? on gloo failed, another rank is gone/);
    } else {
      // mpirun names the rank whose exit stopped the job
      expect(res.stderr).toMatch(/\[rank 2\] Error: boom at step 3/);
      expect(res.stderr).toMatch(/The first process to do so was:\s+Process name: \[\[\d+,\d+\],2\]/);
    }
    expect(sinceRanksUp(dir)).toBeLessThan(10_000); // well below the 20 s deadline
    await expectNoOrphans(dir, 3);
  }, 40_000);

  it('a rank killed mid-run (SIGKILL) ends the job at once, no orphans', async () => {
    if (!engineUsable(engine)) return;
    const dir = tmpDir('kill');
    if (engine === 'gloo') {
      // the tool path: the script launches itself with --launcher multi-gpu
      const res = await runTs(FAULTS, ['kill', dir, '--launcher', 'multi-gpu', '--gpus', '3'], { T_TIMEOUT_MS: '20000' });
      expect(res.code).not.toBe(0);
      expect(res.output).toMatch(/\[launcher\] rank \d \(pid \d+\) (was killed by SIGKILL|stopped because another rank failed); stopping the other rank\(s\)/);
      expect(res.output).toMatch(/job failed: rank 1 was killed by SIGKILL/);
      expect(sinceRanksUp(dir)).toBeLessThan(10_000);
    } else {
      const res = await launchOn('mpi', 'faults.ts', ['kill', dir], 3, { T_TIMEOUT_MS: '20000' });
      expect(res.exitCode).not.toBe(0);
      expect(res.stderr).toMatch(/rank 1 .*exited on signal 9/);
      expect(sinceRanksUp(dir)).toBeLessThan(10_000);
    }
    await expectNoOrphans(dir, 3);
  }, 40_000);
});

describe('Gloo ranks under other launchers', () => {
  it('a rank that never starts: the rendezvous deadline names the store', async () => {
    if (!engineUsable('gloo')) return;
    const dir = tmpDir('rdv');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const env = { RANK: '0', WORLD_SIZE: '3', LOCAL_RANK: '0', MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), DIST_RENDEZVOUS_TIMEOUT_S: '1.5' };
    const res = await runTs(FAULTS, ['loop', dir, '--launcher', 'pytorch'], env);
    expect(res.code).toBe(1);
    expect(res.output).toMatch(new RegExp(`rank 0: Gloo rendezvous of 3 ranks through the store at 127\\.0\\.0\\.1:${port} \\(MASTER_ADDR/MASTER_PORT\\) failed within 1\\.5 s`));
  }, 30_000);

  it('a rank busy in long synchronous compute is not mistaken for a dead one', async () => {
    if (!engineUsable('gloo')) return;
    const dir = tmpDir('busy');
    const res = await launch('faults.ts', ['busy', dir], 2, { T_BUSY_MS: '4000' });
    expectOk(res);
    expect(fs.existsSync(path.join(dir, 'ok0')) && fs.existsSync(path.join(dir, 'ok1'))).toBe(true);
  }, 30_000);

  it('Ctrl-C (SIGINT) on the launcher stops every rank', async () => {
    if (!engineUsable('gloo')) return;
    const dir = tmpDir('sigint');
    let launcherPid = 0;
    const done = runTs(FAULTS, ['loop', dir, '--launcher', 'multi-gpu', '--gpus', '2'], {}, (p) => (launcherPid = p));
    for (let i = 0; i < 150 && pids(dir).length < 2; i++) await sleep(100);
    expect(pids(dir)).toHaveLength(2);
    await sleep(300);
    process.kill(launcherPid, 'SIGINT');
    const res = await done;
    expect(res.code).toBe(130);
    expect(res.output).toMatch(/\[launcher\] SIGINT: stopping all 2 rank\(s\)/);
    await expectNoOrphans(dir, 2);
  }, 30_000);

  async function external(tag: string, timeoutS: string) {
    const dir = tmpDir(tag);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const start = (rank: number) =>
      spawn(process.execPath, [...tsxExecArgv(), FAULTS, 'loop', dir, '--launcher', 'pytorch'], {
        env: { ...process.env, RANK: String(rank), WORLD_SIZE: '2', LOCAL_RANK: String(rank), MASTER_ADDR: '127.0.0.1', MASTER_PORT: String(port), T_TIMEOUT_MS: String(Number(timeoutS) * 1000) },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    const r0 = start(0);
    const r1 = start(1);
    let out0 = '';
    r0.stderr.on('data', (d) => (out0 += d));
    const exit0 = new Promise<number | null>((resolve) => r0.on('close', (c) => resolve(c)));
    for (let i = 0; i < 150 && pids(dir).length < 2; i++) await sleep(100);
    await sleep(500);
    return { r1, exit0, out: () => out0 };
  }

  it('external launcher (env contract only): a killed rank is noticed at once, the survivor is not blamed', async () => {
    if (!engineUsable('gloo')) return;
    const { r1, exit0, out } = await external('ext-kill', '30');
    const t0 = Date.now();
    r1.kill('SIGKILL');
    expect(await exit0).toBe(PEER_ABORT_EXIT_CODE); // stopped because rank 1 died
    expect(Date.now() - t0).toBeLessThan(5_000);
    expect(out()).toMatch(/rank 0: collective #\d+ \w+(\('\w+'\))? on gloo failed, another rank is gone/);
  }, 30_000);

  it('external launcher: a frozen rank (SIGSTOP) is noticed after the collective deadline', async () => {
    if (!engineUsable('gloo')) return;
    const { r1, exit0, out } = await external('ext-stop', '2');
    const t0 = Date.now();
    r1.kill('SIGSTOP');
    try {
      expect(await exit0).not.toBe(0);
      expect(Date.now() - t0).toBeLessThan(8_000);
      expect(out()).toMatch(/rank 0: collective #\d+ \w+(\('\w+'\))? on gloo timed out after 2\.0 s/);
    } finally {
      r1.kill('SIGKILL');
    }
  }, 30_000);
});
