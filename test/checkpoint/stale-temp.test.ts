/** Stale atomic-write temp files: removed only when the writer's pid is dead and the file is not fresh. */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { removeStaleTempFiles } from '../../src/checkpoint/stale-temp';
import { writeFileAtomic } from '../../src/checkpoint/atomic';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'stale-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function touch(name: string, ageMs: number): string {
  const f = path.join(tmp, name);
  fs.writeFileSync(f, 'x');
  const t = new Date(Date.now() - ageMs);
  fs.utimesSync(f, t, t);
  return f;
}

test('only old temp files of dead pids are removed', () => {
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!; // exited: its pid is dead
  const hour = 3600_000;
  const staleEpoch = touch(`.epoch_3.safetensors.${dead}.0.tmp`, hour);
  const staleLatest = touch(`.latest.${dead}.7.tmp`, hour);
  const fresh = touch(`.epoch_4.safetensors.${dead}.1.tmp`, 1000); // maybe a writer on another machine
  const live = touch(`.epoch_5.safetensors.${process.ppid}.0.tmp`, hour); // a live concurrent writer
  const own = touch(`.epoch_6.safetensors.${process.pid}.0.tmp`, hour);
  const other = touch('notes.tmp', hour);
  const ckpt = touch('epoch_3.safetensors', hour);
  expect(removeStaleTempFiles(tmp).sort()).toEqual([staleEpoch, staleLatest].sort());
  for (const f of [fresh, live, own, other, ckpt]) expect(fs.existsSync(f)).toBe(true);
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
    const f = path.join(tmp, names[0]);
    // seen from another process this file is live: kept
    expect(removeStaleTempFiles(tmp, { minAgeMs: 0 })).not.toContain(f);
  };
  writeFileAtomic(target, gen());
  expect(fs.readFileSync(target, 'utf8')).toBe('a');
});
