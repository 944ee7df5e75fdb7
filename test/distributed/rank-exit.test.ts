/** The launcher's naming of rank exits and its choice of the rank to blame. */
import { blame, describeExit, exitSignal } from '../../src/distributed/rank-exit';
import { PEER_ABORT_EXIT_CODE } from '../../src/distributed/finish';

describe('rank exits', () => {
  it('names signals, also when reported as exit code 128+N', () => {
    expect(describeExit({ code: null, signal: 'SIGKILL' })).toBe('was killed by SIGKILL');
    expect(describeExit({ code: 137, signal: null })).toBe('was killed by SIGKILL (exit code 137)');
    expect(describeExit({ code: 143, signal: null })).toBe('was killed by SIGTERM (exit code 143)');
    expect(describeExit({ code: 1, signal: null })).toBe('exited with code 1');
    expect(describeExit({ code: PEER_ABORT_EXIT_CODE, signal: null })).toBe('stopped because another rank failed');
    expect(exitSignal({ code: 2, signal: null })).toBeNull();
  });

  it('blames a rank killed from outside over ranks that failed because of it', () => {
    const killed = { rank: 0, code: null, signal: 'SIGKILL' as const, beforeLauncherKill: true };
    const lostMaster = { rank: 1, code: 1, signal: null, beforeLauncherKill: true };
    // rank 1 noticed first (its close came first), but rank 0 was SIGKILLed
    expect(blame([lostMaster, killed])).toBe(killed);
    // a rank the launcher itself terminated after a real error is not blamed
    const boom = { rank: 2, code: 1, signal: null, beforeLauncherKill: true };
    const terminated = { rank: 0, code: null, signal: 'SIGTERM' as const, beforeLauncherKill: false };
    expect(blame([boom, terminated])).toBe(boom);
    const peer = { rank: 1, code: PEER_ABORT_EXIT_CODE, signal: null, beforeLauncherKill: true };
    expect(blame([peer, boom])).toBe(boom);
    expect(blame([peer])).toBe(peer);
    expect(blame([])).toBeUndefined();
  });
});
