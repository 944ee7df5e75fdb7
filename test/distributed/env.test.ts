/** The env contract of each launcher, launcher flag parsing, device selection. */
import * as os from 'node:os';
import { parseLauncherFlags } from '../../src/distributed/launcher';
import { resolveBindAddr, resolveDistEnv, selectDevice } from '../../src/distributed/env';
import { assertLauncher } from '../../src/distributed/init';

describe('resolveDistEnv', () => {
  it('pytorch / multi-gpu: torchrun variables', () => {
    const env: Record<string, string | undefined> = { RANK: '3', WORLD_SIZE: '4', LOCAL_RANK: '1', MASTER_PORT: '1234' };
    expect(resolveDistEnv('pytorch', env)).toEqual({ rank: 3, localRank: 1, worldSize: 4, masterAddr: '127.0.0.1', masterPort: 1234, bindAddr: '127.0.0.1' });
  });

  it('none is a single process', () => {
    expect(resolveDistEnv('none', {})).toBeNull();
  });

  it('slurm: SLURM_PROCID/NTASKS/LOCALID mapped and written back like mmcv', () => {
    const env: Record<string, string | undefined> = { SLURM_PROCID: '5', SLURM_NTASKS: '8', SLURM_LOCALID: '1', SLURM_NODELIST: 'node[003-004]', MASTER_ADDR: '127.0.0.1' };
    const d = resolveDistEnv('slurm', env)!;
    expect(d).toMatchObject({ rank: 5, worldSize: 8, localRank: 1, masterPort: 29500 });
    expect(env).toMatchObject({ RANK: '5', WORLD_SIZE: '8', LOCAL_RANK: '1', MASTER_PORT: '29500' });
  });

  it('slurm without MASTER_ADDR takes the first host of the node list', () => {
    const env: Record<string, string | undefined> = { SLURM_PROCID: '0', SLURM_NTASKS: '2', SLURM_NODELIST: 'gpu[017-018]', NODE_ADDR: '127.0.0.1' };
    expect(resolveDistEnv('slurm', env)!.masterAddr).toBe('gpu017');
  });

  it('mpi: OMPI_COMM_WORLD_* and a required MASTER_ADDR', () => {
    const env: Record<string, string | undefined> = { OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '2', OMPI_COMM_WORLD_LOCAL_RANK: '1' };
    expect(() => resolveDistEnv('mpi', { ...env })).toThrow(/MASTER_ADDR must be set/);
    expect(resolveDistEnv('mpi', { ...env, MASTER_ADDR: '127.0.0.1' })).toMatchObject({ rank: 1, worldSize: 2, localRank: 1 });
  });

  it('clear errors for missing or bad variables', () => {
    expect(() => resolveDistEnv('pytorch', { WORLD_SIZE: '2' })).toThrow(/environment variable RANK is not set/);
    expect(() => resolveDistEnv('pytorch', { RANK: 'x', WORLD_SIZE: '2' })).toThrow(/RANK="x" is not a non-negative integer/);
    expect(() => resolveDistEnv('pytorch', { RANK: '2', WORLD_SIZE: '2' })).toThrow(/RANK 2 is not below WORLD_SIZE 2/);
    expect(() => assertLauncher('torchrun')).toThrow(/--launcher "torchrun" is not one of none, pytorch, slurm, mpi, multi-gpu/);
  });

  it('binds only to loopback, MASTER_ADDR on its own machine, or NODE_ADDR', () => {
    expect(resolveBindAddr({}, '127.0.0.1')).toBe('127.0.0.1');
    expect(resolveBindAddr({ NODE_ADDR: '10.0.0.7' }, '10.0.0.1')).toBe('10.0.0.7');
    expect(() => resolveBindAddr({}, '203.0.113.9')).toThrow(/set NODE_ADDR/);
    expect(resolveBindAddr({}, os.hostname())).toBe(os.hostname()); // slurm host names
  });
});

describe('launcher flags and devices', () => {
  it('removes launcher flags and keeps the tool arguments', () => {
    const { flags, rest } = parseLauncherFlags(['cfg.ts', '--launcher', 'multi-gpu', '--gpus=2', '--work-dir', 'w', '--nnodes', '1']);
    expect(flags).toEqual({ launcher: 'multi-gpu', gpus: '2', nnodes: '1' });
    expect(rest).toEqual(['cfg.ts', '--work-dir', 'w']);
    expect(() => parseLauncherFlags(['--gpus'])).toThrow(/--gpus needs a value/);
  });

  it('CUDA_VISIBLE_DEVICES: narrowed to the local rank, set when GPUs exist, untouched on CPU', () => {
    const a: Record<string, string | undefined> = { CUDA_VISIBLE_DEVICES: '4,5,6' };
    selectDevice(1, a);
    expect(a.CUDA_VISIBLE_DEVICES).toBe('5');
    const b: Record<string, string | undefined> = {};
    selectDevice(3, b, 2);
    expect(b.CUDA_VISIBLE_DEVICES).toBe('1');
    const c: Record<string, string | undefined> = {};
    selectDevice(0, c, 0);
    expect(c.CUDA_VISIBLE_DEVICES).toBeUndefined();
  });
});
