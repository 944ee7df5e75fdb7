/**
 * The Open MPI engine under `mpirun -n 2`: exact results for every collective, sync and async,
 * under each progress strategy; a rank killed with SIGKILL ends the whole job; a rank that
 * stops taking part makes the others' collective fail at its deadline (progress 'test').
 */
import { spawnSync } from 'child_process';
import { expectedSuite } from './expected';
import { engineUsable, launchMpi } from './launch';

const describeIf = engineUsable('mpi') ? describe : describe.skip;

describeIf('mpi collectives', () => {
  for (const progress of ['test', 'wait', 'blocking']) {
    test(`2 ranks, progress '${progress}': every collective, sync and async, gives the exact result`, async () => {
      const run = await launchMpi({ size: 2, scenario: 'suite', env: { PROGRESS: progress } });
      expect(run.code).toBe(0);
      for (const rank of [0, 1]) {
        const got = run.ranks[rank];
        expect(got).toMatchObject(expectedSuite(2, rank));
        expect(got.info).toEqual({ name: 'mpi', version: expect.stringMatching(/MPI/), transport: expect.stringMatching(/^mpi \(MPI_THREAD_/) });
        for (const call of Object.values(got.afterClose) as any[]) {
          expect(call).toMatchObject({ name: 'CollectiveError', engine: 'mpi', timedOut: false });
        }
      }
    });
  }

  test('a rank killed with SIGKILL: mpirun ends the job within seconds, no rank is left behind', async () => {
    const run = await launchMpi({ size: 2, scenario: 'kill', env: { TIMEOUT_MS: '5000' } });
    expect(run.code).not.toBe(0);
    expect(run.elapsedMs).toBeLessThan(5000 + 8000);
    // the survivor either reported a CollectiveError or was stopped by mpirun; it never hangs
    if (run.ranks[0]) expect(run.ranks[0].error).toMatchObject({ name: 'CollectiveError', engine: 'mpi' });
    const left = spawnSync('pgrep', ['-f', 'collective-worker.js mpi kill'], { encoding: 'utf8' }).stdout.trim();
    expect(left).toBe('');
  });

  test('a rank that stops taking part: the collective fails at its deadline with timedOut', async () => {
    const run = await launchMpi({ size: 2, scenario: 'timeout', env: { OP_TIMEOUT_MS: '1000', IDLE_MS: '2500', PROGRESS: 'test' } });
    const got = run.ranks[0];
    expect(got.error).toMatchObject({ name: 'CollectiveError', engine: 'mpi', op: 'allReduce', timedOut: true });
    expect(got.elapsedMs).toBeGreaterThanOrEqual(900);
    expect(got.elapsedMs).toBeLessThan(3500);
    expect(got.after.message).toMatch(/an earlier collective failed/);
  });
});
