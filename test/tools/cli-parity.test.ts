/** mmcls 0.x CLI habits: the extra train/test flags, `a,b` lists, 'none' strings, 4-decimal numbers, fp16 refused. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseCfgOptions, parseOptionValue } from '../../src/config/cfg-options';
import { makeDemoData } from '../../src/data/demo-data';
import { formatLogValue } from '../../src/hooks/logger-base';
import { MetricOptions } from '../../src/metrics/evaluate';
import { parseKeyValues } from '../../src/runner/api/cli';
import { trainModel } from '../../src/runner/api/train';
import { SingleProcessDist } from '../../src/runner/dist';
import type { DistContext } from '../../src/contracts/dist';
// the built-in plugin packages (the configs written here name their components)
import '@fer-mm/apvit';
import '@fer-mm/transfer';
import '../harness/toy-plugin';
import { toyToolConfig, toyTrainConfig } from '../harness/tool-config';
import { memoryLogger } from '../harness/toy';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
let dir: string;

function tool(name: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  return run(TSX, [path.join(ROOT, 'tools', `${name}.ts`), ...args], { cwd: dir, env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-cli-'));
  await makeDemoData(path.join(dir, 'data'), { train: 7, test: 7, size: 16 });
  fs.writeFileSync(path.join(dir, 'tiny.json'), JSON.stringify(toyTrainConfig(path.join(dir, 'data'), { type: 'SGD', lr: 0.01 })));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('option values as mmcv DictAction reads them', () => {
  it('a,b is a list; [a,b] and (a,b) too; a lone value stays a scalar', () => {
    expect(parseOptionValue('a,b')).toEqual(['a', 'b']);
    expect(parseOptionValue('1,2')).toEqual([1, 2]);
    expect(parseOptionValue('[a,b]')).toEqual(['a', 'b']);
    expect(parseOptionValue('(1,2)')).toEqual([1, 2]);
    expect(parseOptionValue('a,')).toEqual(['a']);
    expect(parseOptionValue('x')).toBe('x');
    expect(parseOptionValue("'a,b'")).toBe('a,b');
    expect(parseCfgOptions(['evaluation.metric=accuracy,class_accuracy'])).toEqual([{ key: 'evaluation.metric', value: ['accuracy', 'class_accuracy'] }]);
  });
  it("--metric-options average_mode=none stays 'none' (the schema wants a string), topk=1,2 is a list", () => {
    expect(parseKeyValues(['average_mode=none', 'topk=1,2'], '--metric-options', MetricOptions)).toEqual({ average_mode: 'none', topk: [1, 2] });
    // without a schema the config rule applies, as mmcv's: only None is None
    expect(parseKeyValues(['x=none', 'y=None'], '--metric-options')).toEqual({ x: 'none', y: null });
  });
  it('log numbers have 4 decimals like mmcv, whole ones too', () => {
    expect(formatLogValue(15)).toBe('15.0000');
    expect(formatLogValue(0.123456)).toBe('0.1235');
  });
});

describe('train/test flags', () => {
  it('fp16 is refused with an error naming the key', async () => {
    const cfg = { ...toyToolConfig(path.join(dir, 'data')), fp16: { loss_scale: 512 } };
    await expect(trainModel({ cfg, filename: 'fp16.json' }, { workDir: path.join(dir, 'wd_fp16'), logger: memoryLogger() })).rejects.toThrow(
      /config key fp16 \(\{"loss_scale":512\}\): mixed-precision training is not supported/,
    );
  });

  it('--diff-seed: rank r trains with seed + r (rank 0 keeps the seed)', async () => {
    const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'tiny.json'), 'utf8'));
    delete cfg.custom_imports; // the toy plugin is imported above already
    cfg.checkpoint_config = null;
    // Rank 1 of a group whose collectives are the identity.
    const rank1 = () => Object.assign(new SingleProcessDist(), { rank: 1 });
    const seedOf = async (dist: DistContext, diffSeed: boolean) =>
      (await trainModel({ cfg, filename: 'tiny.json' }, { workDir: path.join(dir, `wd_seed_${dist.rank}_${diffSeed}`), seed: 7, diffSeed, dist, logger: memoryLogger(), validate: false })).seed;
    expect(await seedOf(rank1(), true)).toBe(8);
    expect(await seedOf(rank1(), false)).toBe(7);
    expect(await seedOf(new SingleProcessDist(), true)).toBe(7);
  }, 60000);

  it('train --help lists every launcher; train accepts the mmcls flags and says what they do', async () => {
    const { stdout } = await tool('train', ['--help']);
    expect(stdout).toMatch(/none \| multi-gpu \| pytorch \| slurm \| mpi/);
    for (const f of ['--device', '--gpu-id', '--gpu-ids', '--diff-seed', '--auto-resume', '--local_rank']) expect(stdout).toContain(f);
    const { stderr } = await tool('train', ['tiny.json', '--work-dir', 'wd', '--device', 'cpu', '--backend', 'cpu', '--gpu-ids', '0', '1', '--diff-seed', '--seed', '5', '--auto-resume', '--local_rank', '0'], { CUDA_VISIBLE_DEVICES: '' });
    expect(stderr).toMatch(/--gpu-ids is deprecated \(as in mmcls\): using the first id, 0/);
    expect(stderr).toMatch(/Set random seed to 5/); // rank 0: seed + 0
    expect(fs.existsSync(path.join(dir, 'wd', 'epoch_1.safetensors'))).toBe(true);
    // --auto-resume picks up the work dir's latest
    const again = await tool('train', ['tiny.json', '--work-dir', 'wd', '--backend', 'cpu', '--auto-resume', '--cfg-options', 'runner.max_epochs=2']);
    expect(again.stderr).toMatch(/resumed epoch 1/);
    await expect(tool('train', ['tiny.json', '--device', 'cuda', '--backend', 'wasm'])).rejects.toMatchObject({ stderr: expect.stringMatching(/--device cuda and --backend wasm disagree/) });
  }, 90000);

  it('test accepts --show, --gpu-collect, --tmpdir, --device and says once what happens instead', async () => {
    const { stderr, stdout } = await tool('test', ['tiny.json', 'wd/latest', '--metrics', 'accuracy', '--device', 'cpu', '--backend', 'cpu', '--show', '--gpu-collect', '--tmpdir', 't', '--local_rank', '0']);
    expect(stdout).toMatch(/accuracy_top-1 : /);
    expect(stderr.match(/--show: there is no display/g)).toHaveLength(1);
    expect(stderr).toMatch(/--gpu-collect: results are always gathered/);
    expect(stderr).toMatch(/--tmpdir t: not used/);
  }, 60000);
});
