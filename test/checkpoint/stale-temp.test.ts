/**
 * Stale atomic-write temp files: removed whenever their writer is gone (whatever their age), never while it runs.
 * The writers are real child processes that write through writeFileAtomic and block mid-write.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import { removeStaleTempFiles, writerAlive } from '../../src/checkpoint/stale-temp';
import { writeFileAtomic } from '../../src/checkpoint/atomic';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stale-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  fs.rmSync(tmp, { recursive: true, force: true });
});

/**
 * A child that writes `<dir>/<name>` and `<dir>/latest` through writeFileAtomic and stops mid-write of the first
 * (its generator blocks after one chunk), like a run killed while saving. Resolves once the temp files exist.
 */
async function blockedWriter(dir: string, name: string): Promise<ChildProcess> {
  const atomic = path.resolve(__dirname, '../../src/checkpoint/atomic.ts');
  const script = `
    const { writeFileAtomic } = require(${JSON.stringify(atomic)});
    const path = require('path');
    const dir = ${JSON.stringify(dir)};
    writeFileAtomic(path.join(dir, 'latest'), (function* () {
      yield Buffer.from('epoch_1');
      writeFileAtomic(path.join(dir, ${JSON.stringify(name)}), (function* () {
        yield Buffer.alloc(1024);
        process.stdout.write('blocked\\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); // blocks until killed
      })());
    })());`;
  const tsx = require.resolve('tsx/cjs');
  const child = spawn(process.execPath, ['-r', tsx, '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => d.toString().includes('blocked') && resolve());
    child.on('exit', (code) => reject(new Error(`writer exited early (${code})`)));
  });
  return child;
}

function tempsOf(dir: string, pid: number): string[] {
  return fs.readdirSync(dir).filter((n) => n.endsWith(`.${pid}.0.tmp`) || n.endsWith(`.${pid}.1.tmp`)).sort();
}

test('a killed writer\'s temp files go at once; a live writer\'s stay', async () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'run-'));
  const killed = await blockedWriter(dir, 'epoch_1.safetensors');
  const live = await blockedWriter(dir, 'epoch_2.safetensors');
  const [kp, lp] = [killed.pid!, live.pid!];
  expect(tempsOf(dir, kp)).toEqual([`.epoch_1.safetensors.${kp}.1.tmp`, `.latest.${kp}.0.tmp`]);
  expect(tempsOf(dir, lp)).toEqual([`.epoch_2.safetensors.${lp}.1.tmp`, `.latest.${lp}.0.tmp`]);

  // both writers run: nothing is removed
  expect(removeStaleTempFiles(dir)).toEqual([]);

  killed.kill('SIGKILL');
  await new Promise((r) => killed.once('exit', r));
  // the files are seconds old: no age rule spares them
  const killedTemps = tempsOf(dir, kp).map((n) => path.join(dir, n));
  expect(removeStaleTempFiles(dir).sort()).toEqual(killedTemps);
  expect(tempsOf(dir, kp)).toEqual([]);
  expect(tempsOf(dir, lp)).toHaveLength(2);

  live.kill('SIGKILL');
  await new Promise((r) => live.once('exit', r));
  expect(removeStaleTempFiles(dir)).toHaveLength(2);
  expect(fs.readdirSync(dir)).toEqual([]); // neither writer got to rename anything
}, 60_000);

test('a pid alive now but started after the file was written is not its writer (recycled pid)', () => {
  // the parent started seconds before this process: a file written an hour before that is not its own
  const ownStart = Date.now() - process.uptime() * 1000;
  expect(writerAlive(process.ppid, Date.now())).toBe(true);
  expect(writerAlive(process.ppid, ownStart - 3600_000)).toBe(process.platform !== 'linux');
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  expect(writerAlive(dead, Date.now())).toBe(false);
  expect(writerAlive(process.pid, 0)).toBe(true); // this process's own writes may be in flight
});

test('only the temp-file names are considered', () => {
  const dir = fs.mkdtempSync(path.join(tmp, 'names-'));
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  const keep = ['notes.tmp', 'epoch_3.safetensors', `.epoch_4.safetensors.${process.pid}.0.tmp`, `epoch_5.${dead}.0.tmp`];
  for (const n of keep) fs.writeFileSync(path.join(dir, n), 'x');
  fs.writeFileSync(path.join(dir, `.epoch_3.safetensors.${dead}.0.tmp`), 'x');
  expect(removeStaleTempFiles(dir)).toEqual([path.join(dir, `.epoch_3.safetensors.${dead}.0.tmp`)]);
  expect(fs.readdirSync(dir).sort()).toEqual([...keep].sort());
  expect(removeStaleTempFiles(path.join(tmp, 'absent'))).toEqual([]);
});

test('the names writeFileAtomic uses are the ones recognised', () => {
  // A write that fails mid-way cleans up after itself; a killed one leaves this name.
  const target = path.join(tmp, 'w.bin');
  const gen = function* (): Generator<Uint8Array> {
    yield Buffer.from('a');
    const names = fs.readdirSync(tmp).filter((n) => n.startsWith('.w.bin.'));
    expect(names).toHaveLength(1);
    expect(names[0]).toMatch(new RegExp(`^\\.w\\.bin\\.${process.pid}\\.\\d+\\.tmp$`));
    // seen from this process the file is live: kept
    expect(removeStaleTempFiles(tmp)).toEqual([]);
  };
  writeFileAtomic(target, gen());
  expect(fs.readFileSync(target, 'utf8')).toBe('a');
});
