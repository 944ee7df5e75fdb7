/**
 * The analysis tools as subprocesses on the toy harness (and a tiny APViT for
 * vis-tokens): each writes a PNG of the expected size, and the text outputs
 * say what mmcls's tools say.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import '../../src';
import { initBackend } from '../../src/backend/backend';
import { saveCheckpoint } from '../../src/checkpoint/load';
import { makeDemoData } from '../../src/data/demo-data';
// the built-in plugin packages (the configs written here name their components)
import '@fer-mm/apvit';
import '@fer-mm/transfer';
import { buildModel } from '../../src/runner/api/build';
import { toyToolConfig } from '../harness/tool-config';
import { tinyConfig } from '../apvit/tiny';
import { kernelMacs } from '../../tools/lib/flops';
import { keptStages } from '../../tools/vis-tokens';
import { lrSchedule } from '../../tools/vis-lr';
import { rankCases } from '../../tools/analyze-results';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
let dir: string;
let logJson: string;

// the tools run in a temporary folder: point tsx at the repository's tsconfig, whose paths map the package names
const ENV = { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json') };

function tool(name: string, args: string[]) {
  return run(TSX, [path.join(ROOT, 'tools', `${name}.ts`), ...args], { cwd: dir, env: ENV, maxBuffer: 1 << 26 });
}
async function size(file: string): Promise<[number, number]> {
  const m = await sharp(path.join(dir, file)).metadata();
  return [m.width ?? 0, m.height ?? 0];
}

const trainCfg = (data: string) => ({
  ...toyToolConfig(data),
  evaluation: { interval: 1, metric: ['accuracy'] },
  optimizer: { type: 'SGD', lr: 0.1 },
  optimizer_config: {},
  lr_config: { policy: 'step', step: [1] },
  runner: { type: 'EpochBasedRunner', max_epochs: 2 },
  checkpoint_config: { interval: 2 },
  log_config: { interval: 1, hooks: [{ type: 'TextLoggerHook' }] },
  workflow: [['train', 1]],
});

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-analysis-'));
  await makeDemoData(path.join(dir, 'data'), { train: 14, test: 7, size: 16 });
  fs.writeFileSync(path.join(dir, 'tiny.json'), JSON.stringify(trainCfg(path.join(dir, 'data'))));
  await tool('train', ['tiny.json', '--work-dir', 'wd', '--seed', '0', '--backend', 'cpu']);
  logJson = path.join('wd', fs.readdirSync(path.join(dir, 'wd')).find((f) => f.endsWith('.log.json'))!);
}, 60000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('analyze-logs', () => {
  it('plot_curve: one 720x360 panel per key; cal_train_time prints the mmcls summary', async () => {
    await tool('analyze-logs', ['plot_curve', logJson, '--keys', 'loss', 'accuracy_top-1', '--out', 'curves.png']);
    expect(await size('curves.png')).toEqual([720, 720]);
    const { stdout } = await tool('analyze-logs', ['cal_train_time', logJson]);
    expect(stdout).toMatch(/slowest epoch [12], average time is \d+\.\d{4}\nfastest epoch [12], average time is \d+\.\d{4}\ntime std over epochs is \d+\.\d{4}\naverage iter time: \d+\.\d{4} s\/iter/);
    await expect(tool('analyze-logs', ['plot_curve', logJson, '--keys', 'nope'])).rejects.toMatchObject({ stderr: expect.stringMatching(/key 'nope' is not in the log; numeric keys there: .*loss/) });
  });
});

describe('vis-lr', () => {
  it('draws the schedule (720x360) and computes the step policy per iteration', async () => {
    await tool('vis-lr', ['tiny.json', '--out', 'lr.png']);
    expect(await size('lr.png')).toEqual([720, 360]);
    const { points } = lrSchedule(trainCfg('x') as never, 2); // 14 images / 7 per batch
    expect(points).toEqual([[1, 0.1], [2, 0.1], [3, expect.closeTo(0.01, 10)], [4, expect.closeTo(0.01, 10)]]);
  });
});

describe('get-flops', () => {
  it('prints a per-module table and the totals of the toy model', async () => {
    const { stdout } = await tool('get-flops', ['tiny.json', '--shape', '16', '--backend', 'cpu']);
    // ToyClassifier: a 48 -> 7 linear layer on a 4x4x3 thumbnail
    expect(stdout).toMatch(/\(model\) \(ToyClassifier\) \|\s+343 \|\s+100\.00%/);
    expect(stdout).toContain('Input shape: (3, 16, 16)');
    expect(stdout).toContain('Flops: 336 FLOPs');
    expect(stdout).toContain('Params: 343');
  });
  it('counts conv and (transposed) matmul MACs from shapes', () => {
    expect(kernelMacs({ name: 'Conv2D', inputShapes: [[1, 8, 8, 3], [3, 3, 3, 16]], outputShapes: [[1, 8, 8, 16]] })).toBe(8 * 8 * 16 * 27);
    expect(kernelMacs({ name: 'BatchMatMul', inputShapes: [[2, 5, 4], [2, 4, 6]], outputShapes: [[2, 5, 6]] })).toBe(2 * 5 * 6 * 4);
    expect(kernelMacs({ name: 'BatchMatMul', inputShapes: [[2, 4, 5], [2, 4, 6]], outputShapes: [[2, 5, 6]] })).toBe(2 * 5 * 6 * 4);
    expect(kernelMacs({ name: 'Add', inputShapes: [[3], [3]], outputShapes: [[3]] })).toBe(0);
  });
});

describe('test --show-dir and analyze-results', () => {
  it('draws every test image with prediction and truth, then the best and worst cases', async () => {
    await tool('test', ['tiny.json', 'wd/latest', '--backend', 'cpu', '--show-dir', 'shows', '--out', 'res.json', '--metrics', 'accuracy']);
    const shown = fs.readdirSync(path.join(dir, 'shows')).sort();
    expect(shown).toHaveLength(7);
    expect(shown[0]).toBe('test_00001.png');
    expect(await size('shows/test_00001.png')).toEqual([224, 224 + 3 * 18 + 8]);
    await tool('analyze-results', ['tiny.json', 'res.json', '--out-dir', 'ar', '--topk', '3']);
    const res = JSON.parse(fs.readFileSync(path.join(dir, 'res.json'), 'utf8'));
    const right = Math.round((res['accuracy_top-1'] * 7) / 100);
    const want = { success: Math.min(3, right), fail: Math.min(3, 7 - right) };
    for (const g of ['success', 'fail'] as const) {
      const tiles = fs.readdirSync(path.join(dir, 'ar', g));
      expect(tiles).toHaveLength(want[g]);
      if (!tiles.length) continue;
      expect(await size(path.join('ar', g, tiles[0]))).toEqual([192, 192 + 3 * 18 + 8]);
      const [w, h] = await size(path.join('ar', `${g}.png`));
      expect(w).toBe(Math.max(360, tiles.length * 200 + 8));
      expect(h).toBe(52 + 254 + 8 + 8);
    }
  });
  it('ranks right and wrong cases by score, most confident first', () => {
    const imgs = [0, 1, 2, 3].map((i) => ({ file: `${i}.png`, gtLabel: i % 2 }));
    const { success, fail } = rankCases(imgs, [0, 0, 0, 1], [0.5, 0.9, 0.6, 0.7], 5);
    expect(success.map((c) => c.index)).toEqual([3, 2, 0]);
    expect(fail.map((c) => c.index)).toEqual([1]);
  });
});

describe('vis-tokens', () => {
  it('maps APP and ATP keep lists back to patches', () => {
    // 6 patches; APP keeps 1,3,4,5; block 1 keeps CLS + tokens 2,4 (patches 3,5)
    const st = keptStages({ app: [[1, 3, 4, 5]], atp: [null, [[0, 2, 4]]] }, 6);
    expect(st.map((s) => s.patches)).toEqual([[1, 3, 4, 5], [3, 5]]);
    expect(st[1].label).toBe('ATP block 2: 2 tokens kept');
  });
  it('draws the face with the kept patches of each stage (tiny APViT, 4x4 grid)', async () => {
    await initBackend('cpu');
    const cfg = { custom_imports: { imports: ['@fer-mm/apvit'] }, model: tinyConfig(), data: toyToolConfig(path.join(dir, 'data')).data };
    cfg.data.test.pipeline.splice(1, 0, { type: 'Resize', size: 32 } as never);
    fs.writeFileSync(path.join(dir, 'apvit.json'), JSON.stringify(cfg));
    const model = await buildModel(cfg as never, { loadPretrained: false });
    saveCheckpoint(path.join(dir, 'apvit'), { stateDict: model.stateDict(), meta: {} });
    const img = path.join('data/Image/aligned', fs.readdirSync(path.join(dir, 'data/Image/aligned')).find((f) => f.startsWith('test_'))!);
    const { stderr } = await tool('vis-tokens', ['apvit.json', 'apvit.safetensors', img, '--out', 'tokens.png', '--backend', 'cpu']);
    expect(stderr).toMatch(/APP: 12 of 16 patches kept/);
    expect(stderr).toMatch(/ATP block 2: 10 tokens kept/);
    expect(stderr).toMatch(/ATP block 3: 7 tokens kept/);
    // input + APP + 2 ATP panels of 224 px in one row under a title
    expect(await size('tokens.png')).toEqual([4 * (224 + 8) + 8, 52 + 224 + 2 * 18 + 8 + 8 + 8]);
  }, 60000);
});
