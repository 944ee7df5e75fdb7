import fs from 'fs';
import os from 'os';
import path from 'path';
import { LOGGER, DIST, FILE_IO, createRootContainer, createRunnerContainer, distContextFromEnv, type FileIO } from '../../src/di';
import { DiskFileIO } from '../../src/checkpoint/file-io';
import { removeStaleTempFiles } from '../../src/checkpoint/stale-temp';
import { Logger as ConsoleLogger, normalizeLevel } from '../../src/runner/logger';
import type { Logger } from '../../src/contracts/logger';
import type { DistContext } from '../../src/contracts/dist';
import { SingleProcessDist } from '../../src/runner/dist';

function memoryStream() {
  const lines: string[] = [];
  return { lines, write: (s: string) => lines.push(s) };
}

describe('DI containers', () => {
  it('binds the runtime services in the root container', async () => {
    const root = createRootContainer({ env: { RANK: '1', WORLD_SIZE: '4', LOCAL_RANK: '1' } });
    const dist = root.get<DistContext>(DIST);
    expect([dist.rank, dist.worldSize, dist.localRank]).toEqual([1, 4, 1]);
    // the process group is not connected yet: collectives say so instead of acting as one process
    await expect(dist.barrier()).rejects.toThrow(/rank 1 of 4 has no process group/);
    expect(root.get<FileIO>(FILE_IO)).toBeInstanceOf(DiskFileIO);
    // non-zero ranks only log errors, like MMCV
    expect(root.get<Logger>(LOGGER).level).toBe('ERROR');
  });

  it('gives each runner its own Logger, sharing nothing mutable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-di-'));
    const root = createRootContainer({ env: {}, logger: { stream: memoryStream() } });
    const a = createRunnerContainer(root, { logger: { stream: memoryStream() } });
    const b = createRunnerContainer(root, { logger: { stream: memoryStream() } });
    const la = a.get<Logger>(LOGGER);
    const lb = b.get<Logger>(LOGGER);
    expect(la).not.toBe(lb);
    expect(la).not.toBe(root.get(LOGGER));
    // per-run mutation stays per run
    la.setFile(path.join(dir, 'a.log'));
    la.level = 'DEBUG';
    expect(lb.level).toBe('INFO');
    la.info('only in a');
    lb.info('only in b');
    la.close();
    expect(fs.readFileSync(path.join(dir, 'a.log'), 'utf8')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - fer-mm - INFO - only in a\n$/);
    // process-wide services are inherited from the root
    expect(a.get(FILE_IO)).toBe(root.get(FILE_IO));
    expect(a.get(DIST)).toBe(b.get(DIST));
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('Logger', () => {
  it('writes leveled lines and filters below its level', () => {
    const s = memoryStream();
    const log = new ConsoleLogger({ name: 'core', level: 'warn', stream: s });
    log.debug('d');
    log.info('i');
    log.warn('w');
    log.error('e');
    expect(s.lines.map((l) => l.replace(/^.* - core - /, '').trim())).toEqual(['WARNING - w', 'ERROR - e']);
    expect(normalizeLevel('debug')).toBe('DEBUG');
    expect(() => normalizeLevel('LOUD')).toThrow(/unknown log level 'LOUD'/);
  });
});

describe('FileIO', () => {
  it('writes atomically through the one atomic writer, whose temp files the stale-temp cleaner knows', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-io-'));
    const io = new DiskFileIO();
    const f = path.join(dir, 'sub', 'ckpt.bin');
    io.writeFileAtomic(f, new Uint8Array([1, 2, 3]));
    expect([...io.readFile(f)]).toEqual([1, 2, 3]);
    io.writeFileAtomic(f, 'text');
    expect(Buffer.from(io.readFile(f)).toString()).toBe('text');
    expect(io.exists(f)).toBe(true);
    // a failed write leaves the old file; its temp file is one the cleaner removes
    const failing = (function* () {
      yield new Uint8Array([9]);
      throw new Error('disk full');
    })();
    expect(() => io.writeFileAtomic(f, failing)).toThrow(/disk full/);
    expect(Buffer.from(io.readFile(f)).toString()).toBe('text');
    expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual(['ckpt.bin']);
    const orphan = path.join(dir, 'sub', '.ckpt.bin.999999999.0.tmp'); // what a killed writer leaves
    fs.writeFileSync(orphan, 'partial');
    expect(removeStaleTempFiles(path.join(dir, 'sub'))).toEqual([orphan]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});

describe('DistContext', () => {
  it('reads RANK / WORLD_SIZE / LOCAL_RANK and checks them', () => {
    const one = distContextFromEnv({});
    expect([one.rank, one.worldSize, one.localRank]).toEqual([0, 1, 0]);
    expect(one).toBeInstanceOf(SingleProcessDist);
    const r3 = distContextFromEnv({ RANK: '3', WORLD_SIZE: '8' });
    expect([r3.rank, r3.worldSize, r3.localRank]).toEqual([3, 8, 3]);
    expect(() => distContextFromEnv({ RANK: '2', WORLD_SIZE: '2' })).toThrow(/RANK 2 is not below WORLD_SIZE 2/);
    expect(() => distContextFromEnv({ WORLD_SIZE: 'two' })).toThrow(/WORLD_SIZE="two" is not a non-negative integer/);
  });
});
