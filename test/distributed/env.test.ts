/** The env contract of each launcher, launcher flag parsing, device selection. */
import * as os from 'node:os';
import { parseLauncherFlags } from '../../src/distributed/launcher';
import { resolveBindAddr, resolveDistEnv, selectDevice } from '../../src/distributed/env';
import { assertLauncher } from '../../src/distributed/init';
import { glooStore, resolveBackend, resolveTimeoutMs } from '../../src/distributed/engine';
import { loadConfig } from '../../src/config';

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

  it('mpi: OMPI_COMM_WORLD_*; MASTER_ADDR required for a Gloo rendezvous only', () => {
    const env: Record<string, string | undefined> = { OMPI_COMM_WORLD_RANK: '1', OMPI_COMM_WORLD_SIZE: '2', OMPI_COMM_WORLD_LOCAL_RANK: '1' };
    expect(() => resolveDistEnv('mpi', { ...env })).toThrow(/MASTER_ADDR must be set/);
    expect(resolveDistEnv('mpi', { ...env, MASTER_ADDR: '127.0.0.1' })).toMatchObject({ rank: 1, worldSize: 2, localRank: 1 });
    expect(resolveDistEnv('mpi', { ...env }, { rendezvous: false })).toMatchObject({ rank: 1, worldSize: 2, localRank: 1 });
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

describe('dist_params', () => {
  const env = { rank: 0, localRank: 0, worldSize: 2, masterAddr: '10.0.0.1', masterPort: 29500, bindAddr: '10.0.0.1' };
  it('backend: gloo by default, mpi when MPI started the ranks, nccl answered with the key', () => {
    expect(resolveBackend(undefined, 'pytorch')).toBe('gloo');
    expect(resolveBackend({}, 'mpi')).toBe('mpi');
    expect(resolveBackend({}, 'slurm', { PMIX_RANK: '0' })).toBe('mpi');
    expect(resolveBackend({}, 'slurm', {})).toBe('gloo');
    expect(resolveBackend({ backend: 'gloo' }, 'mpi')).toBe('gloo');
    expect(resolveBackend({ backend: 'mpi' }, 'pytorch')).toBe('mpi');
    expect(() => resolveBackend({ backend: 'nccl' }, 'pytorch')).toThrow(/dist_params\.backend='nccl': there is no NCCL engine yet.*'gloo'/);
    expect(() => resolveBackend({ backend: 'ucc' }, 'pytorch')).toThrow(/dist_params\.backend="ucc" is not one of gloo, mpi, nccl/);
  });
  it('init_method: env://, tcp://host:port, file:///path', () => {
    expect(glooStore(undefined, env)).toEqual({ kind: 'tcp', host: '10.0.0.1', port: 29500 });
    expect(glooStore({ init_method: 'env://' }, env)).toEqual({ kind: 'tcp', host: '10.0.0.1', port: 29500 });
    expect(glooStore({ init_method: 'tcp://node1:1234' }, env)).toEqual({ kind: 'tcp', host: 'node1', port: 1234 });
    expect(glooStore({ init_method: 'file:///shared/rdv' }, env)).toEqual({ kind: 'file', path: '/shared/rdv' });
    expect(() => glooStore({ init_method: 'redis://x' }, env)).toThrow(/dist_params\.init_method="redis:\/\/x" is not one of/);
  });
  it('timeout_s, else DIST_TIMEOUT_S, else 1800 s', () => {
    expect(resolveTimeoutMs({ timeout_s: 5 }, undefined, {})).toBe(5000);
    expect(resolveTimeoutMs({}, undefined, { DIST_TIMEOUT_S: '7' })).toBe(7000);
    expect(resolveTimeoutMs(undefined, undefined, {})).toBe(1800_000);
  });
  it('the config schema checks dist_params; --cfg-options sets it', () => {
    const c = loadConfig(`${__dirname}/../../configs/apvit/demo.ts`, { cfgOptions: ['dist_params.backend=mpi', 'dist_params.timeout_s=60'] });
    c.validate();
    expect(c.cfg.dist_params).toEqual({ backend: 'mpi', timeout_s: 60 });
    const bad = loadConfig(`${__dirname}/../../configs/apvit/demo.ts`, { cfgOptions: ['dist_params.backend=gl00'] });
    expect(() => bad.validate()).toThrow(/dist_params/);
  });
});
