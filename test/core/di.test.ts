import fs from 'fs';
import os from 'os';
import path from 'path';
import {
  TOKENS,
  LOGGER,
  DIST,
  CONFIG,
  runContext,
  runContextOf,
  createRootContainer,
  createRunnerContainer,
  ConsoleLogger,
  LocalFileIO,
  distContextFromEnv,
  normalizeLevel,
  type BackendService,
  type DistContext,
  type FileIO,
  type Logger,
} from '../../src/di';
import { SingleProcessDist } from '../../src/runner/dist';

function memoryStream() {
  const lines: string[] = [];
  return { lines, write: (s: string) => lines.push(s) };
}

describe('DI containers', () => {
  it('binds the runtime services in the root container', async () => {
    const root = createRootContainer({ env: { RANK: '1', WORLD_SIZE: '4', LOCAL_RANK: '1' }, backend: 'cpu' });
    const dist = root.get<DistContext>(TOKENS.DistContext);
    expect([dist.rank, dist.worldSize, dist.localRank]).toEqual([1, 4, 1]);
    // the process group is not connected yet: collectives say so instead of acting as one process
    await expect(dist.barrier()).rejects.toThrow(/rank 1 of 4 has no process group/);
    expect(root.get<FileIO>(TOKENS.FileIO)).toBeInstanceOf(LocalFileIO);
    expect(root.get<BackendService>(TOKENS.Backend).requested).toBe('cpu');
    // non-zero ranks only log errors, like MMCV
    expect(root.get<Logger>(TOKENS.Logger).level).toBe('ERROR');
  });

  it('gives each runner its own Logger and Config, sharing nothing mutable', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-di-'));
    const root = createRootContainer({ env: {}, logger: { stream: memoryStream() } });
    const a = createRunnerContainer(root, { config: { name: 'a' }, logger: { stream: memoryStream() } });
    const b = createRunnerContainer(root, { config: { name: 'b' }, logger: { stream: memoryStream() } });
    const la = a.get<Logger>(TOKENS.Logger);
    const lb = b.get<Logger>(TOKENS.Logger);
    expect(la).not.toBe(lb);
    expect(la).not.toBe(root.get(TOKENS.Logger));
    expect(a.get(TOKENS.Config)).toEqual({ name: 'a' });
    expect(b.get(TOKENS.Config)).toEqual({ name: 'b' });
    expect(root.isBound(TOKENS.Config)).toBe(false);
    // per-run mutation stays per run
    la.setFile(path.join(dir, 'a.log'));
    la.level = 'DEBUG';
    expect(lb.level).toBe('INFO');
    la.info('only in a');
    lb.info('only in b');
    la.close();
    expect(fs.readFileSync(path.join(dir, 'a.log'), 'utf8')).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} - fer-mm - INFO - only in a\n$/);
    // process-wide services are inherited from the root
    expect(a.get(TOKENS.FileIO)).toBe(root.get(TOKENS.FileIO));
    expect(a.get(TOKENS.DistContext)).toBe(b.get(TOKENS.DistContext));
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
  it('writes atomically (no temp files left, old content replaced whole)', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-io-'));
    const io = new LocalFileIO();
    const f = path.join(dir, 'sub', 'ckpt.bin');
    await io.writeFileAtomic(f, new Uint8Array([1, 2, 3]));
    expect([...(await io.readFile(f))]).toEqual([1, 2, 3]);
    await io.writeFileAtomic(f, 'text');
    expect(await io.readText(f)).toBe('text');
    io.writeFileAtomicSync(path.join(dir, 'sub', 'meta.json'), '{}');
    expect(await io.listDir(path.join(dir, 'sub'))).toEqual(['ckpt.bin', 'meta.json']);
    expect(await io.exists(f)).toBe(true);
    await io.remove(f);
    expect(await io.exists(f)).toBe(false);
    // a failed write leaves the old file and no temp file behind
    await io.writeFileAtomic(f, 'old');
    await expect(io.writeFileAtomic(f, 42 as unknown as string)).rejects.toThrow();
    expect(await io.readText(f)).toBe('old');
    expect((await io.listDir(path.join(dir, 'sub'))).filter((n) => n.endsWith('.tmp'))).toEqual([]);
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

describe('RunContext', () => {
  it('hands out the run services by typed token and says which token is missing', () => {
    const root = createRootContainer({ env: {}, logger: { stream: memoryStream() } });
    const run = runContext(createRunnerContainer(root, { config: { name: 'r' } }));
    const logger: Logger = run.get(LOGGER);
    expect(logger).toBe(run.container.get(TOKENS.Logger));
    expect(run.get(CONFIG)).toEqual({ name: 'r' });
    expect(run.get(DIST).worldSize).toBe(1);
    expect(runContextOf({ services: run })).toBe(run);
    expect(runContextOf({ services: { logger } })).toBeUndefined();
    expect(runContextOf(undefined)).toBeUndefined();
    const bare = runContext(createRunnerContainer(root));
    expect(bare.has(CONFIG)).toBe(false);
    expect(() => bare.get(CONFIG)).toThrow(/nothing is bound to fer-mm\.Config/);
  });
});
