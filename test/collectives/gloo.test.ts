/**
 * The Gloo engine between 2 and 3 local processes, over the TCP store (rank 0 serves it) and
 * over a file store: exact results for every collective, sync and async, their ordering, a
 * peer lost to SIGKILL and a peer that stops answering (the per-op deadline).
 */
import { expectedSuite } from './expected';
import { engineUsable, launchGloo } from './launch';

const describeIf = engineUsable('gloo') ? describe : describe.skip;

describeIf('gloo collectives', () => {
  for (const store of ['tcp', 'file'] as const) {
    for (const size of [2, 3]) {
      test(`${size} ranks over the ${store} store: every collective, sync and async, gives the exact result`, async () => {
        const run = await launchGloo({ size, scenario: 'suite', store });
        expect(run.stderr).toBe('');
        expect(run.code).toBe(0);
        for (let rank = 0; rank < size; rank++) {
          const got = run.ranks[rank];
          expect(got).toMatchObject(expectedSuite(size, rank));
          expect(got.info).toEqual({ name: 'gloo', version: expect.stringMatching(/^\d+\.\d+\.\d+$/), transport: 'tcp' });
          for (const call of Object.values(got.afterClose) as any[]) {
            expect(call).toMatchObject({ name: 'CollectiveError', engine: 'gloo', timedOut: false });
            expect(call.message).toMatch(/the engine is closed/);
          }
        }
      });
    }
  }

  test('rank 0 (the store server) starting last: the other ranks wait for it and the run completes', async () => {
    const run = await launchGloo({ size: 2, scenario: 'suite', store: 'tcp', rankEnv: { 0: { START_DELAY_MS: '1500' } } });
    expect(run.code).toBe(0);
    expect(run.ranks[1]).toMatchObject(expectedSuite(2, 1));
  });

  test('a peer killed with SIGKILL: the survivors get a CollectiveError, no hang, no crash', async () => {
    const run = await launchGloo({ size: 3, scenario: 'kill', store: 'tcp', env: { TIMEOUT_MS: '5000' } });
    expect(run.signals[2]).toBe('SIGKILL');
    expect(run.elapsedMs).toBeLessThan(5000 + 8000);
    for (const rank of [0, 1]) {
      const got = run.ranks[rank];
      expect(got.error).toMatchObject({ name: 'CollectiveError', engine: 'gloo', op: 'allReduce' });
      expect(got.error.message).toMatch(/^gloo allReduce failed: /);
      expect(got.elapsedMs).toBeLessThan(5000 + 3000);
    }
  });

  test('a peer that stops taking part: the collective fails at its deadline with timedOut, and the engine refuses further work', async () => {
    const run = await launchGloo({ size: 2, scenario: 'timeout', store: 'file', env: { OP_TIMEOUT_MS: '1000', IDLE_MS: '2500' } });
    expect(run.code).toBe(0);
    const got = run.ranks[0];
    expect(got.error).toMatchObject({ name: 'CollectiveError', engine: 'gloo', op: 'allReduce', timedOut: true });
    expect(got.elapsedMs).toBeGreaterThanOrEqual(900);
    expect(got.elapsedMs).toBeLessThan(3500);
    expect(got.after).toMatchObject({ name: 'CollectiveError', op: 'barrier' });
    expect(got.after.message).toMatch(/an earlier collective failed/);
  });
});
