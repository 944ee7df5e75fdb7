/**
 * The package's JavaScript surface in one process: availability report, argument checks, a
 * one-rank Gloo engine, the ibverbs transport on a host without InfiniBand.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { CollectiveError, engineAvailability, initGloo, initMpi } from '@fer-mm/collectives';
import { engineUsable } from './launch';

test('engineAvailability reports each engine with its version, or why not and the install command', () => {
  const availability = engineAvailability();
  expect(Object.keys(availability).sort()).toEqual(['gloo', 'mpi']);
  for (const [name, a] of Object.entries(availability)) {
    if (a.ok) expect(a.version).toMatch(/\d/);
    else expect(a.install).toMatch(new RegExp(`apt-get install lib${name === 'gloo' ? 'gloo' : 'openmpi'}-dev.*npm rebuild @fer-mm/collectives`));
  }
});

test('bad arguments are rejected before any rendezvous, naming the field', async () => {
  await expect(initGloo({ rank: 2, size: 2, store: { kind: 'file', path: '/nonexistent' } })).rejects.toThrow(/rank must be an integer in \[0, 2\)/);
  await expect(initGloo({ rank: 0, size: 2, store: { kind: 'tcp', host: '127.0.0.1', port: 0 } })).rejects.toThrow(/store.port must be a TCP port/);
  await expect(initGloo({ rank: 0, size: 2, store: { kind: 'redis' } as any })).rejects.toThrow(/store must be/);
  await expect(initGloo({ rank: 0, size: 1, store: { kind: 'file', path: '/x' }, timeoutMs: -1 })).rejects.toThrow(/timeoutMs must be a positive number/);
  await expect(initMpi({ progress: 'spin' as any })).rejects.toThrow(/progress must be one of test, wait, blocking/);
});

const describeIf = engineUsable('gloo') ? describe : describe.skip;

describeIf('one gloo rank', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fermm-coll-api-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  test('a world of one: every collective is the identity, bad calls throw TypeError/RangeError, close is final', async () => {
    const e = await initGloo({ rank: 0, size: 1, store: { kind: 'file', path: path.join(dir, 'one') } });
    expect(e.info).toMatchObject({ name: 'gloo', transport: 'tcp' });
    const buf = new Float32Array([1.5, -2]);
    e.allReduce(buf, 'mean');
    await e.allReduceAsync(buf);
    expect(Array.from(buf)).toEqual([1.5, -2]);
    expect(e.allGather(Uint8Array.from([9])).map((b) => Array.from(b))).toEqual([[9]]);
    expect(() => e.allReduce(new Float64Array(2) as any)).toThrow(TypeError);
    expect(() => e.allReduce(buf, 'max' as any)).toThrow(/op must be one of sum, mean/);
    expect(() => e.broadcast(new Uint8Array(1), 1)).toThrow(RangeError);
    expect(() => e.setTimeout(0)).toThrow(RangeError);
    e.close();
    expect(() => e.barrier()).toThrow(CollectiveError);
    expect(() => e.barrierAsync()).toThrow(/gloo barrier failed: the engine is closed/);
  });

  test("transport 'ibverbs': an engine on a host with InfiniBand, else a CollectiveError naming the missing device", async () => {
    const init = initGloo({ rank: 0, size: 1, store: { kind: 'file', path: path.join(dir, 'ib') }, transport: 'ibverbs', timeoutMs: 5000 });
    const outcome = await init.then(
      (e) => {
        e.close();
        return e.info.transport;
      },
      (error: any) => error,
    );
    if (typeof outcome === 'string') expect(outcome).toBe('ibverbs');
    else {
      expect(outcome).toBeInstanceOf(CollectiveError);
      expect(outcome).toMatchObject({ engine: 'gloo', op: 'init' });
      expect(outcome.message).toMatch(/InfiniBand|ibverbs|ibv_/);
    }
  });
});
