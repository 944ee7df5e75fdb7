/**
 * The train / test / infer tools as subprocesses on a tiny generated RAF-layout
 * set and the toy classifier plugin: work-dir layout, --resume exactness,
 * test --out vs infer scores, pretrained files ignored by test.
 */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { makeDemoData } from '../../src/data/demo-data';
import { readCheckpoint, saveCheckpoint } from '../../src/checkpoint/load';
import { makeTensorData, toFloat32 } from '../../src/checkpoint/tensor-data';
import { toyToolConfig } from '../harness/tool-config';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
let dir: string;
let cfgFile: string;

function tool(name: string, args: string[]) {
  return run(TSX, [path.join(ROOT, 'tools', `${name}.ts`), ...args], { cwd: dir, maxBuffer: 1 << 26 });
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-tools-'));
  const data = path.join(dir, 'data');
  await makeDemoData(data, { train: 28, test: 14, size: 16 });
  const cfg = {
    ...toyToolConfig(data, [{ type: 'RandomFlip', flip_prob: 0.5 }]),
    evaluation: { interval: 1, metric: ['accuracy'], save_best: 'auto' },
    optimizer: { type: 'SGD', lr: 0.05, momentum: 0.9, weight_decay: 0.0005 },
    optimizer_config: { grad_clip: { max_norm: 10 } },
    lr_config: { policy: 'CosineAnnealing', min_lr: 0 },
    runner: { type: 'EpochBasedRunner', max_epochs: 3 },
    checkpoint_config: { interval: 1, max_keep_ckpts: 2 },
    log_config: { interval: 2, hooks: [{ type: 'TextLoggerHook' }] },
    custom_hooks: [{ type: 'EMAHook', momentum: 0.05, priority: 'ABOVE_NORMAL' }],
    workflow: [['train', 1]],
  };
  cfgFile = path.join(dir, 'tiny.json');
  fs.writeFileSync(cfgFile, JSON.stringify(cfg, null, 1));
});

const weights = (file: string) => {
  const c = readCheckpoint(file);
  return Object.fromEntries([...c.stateDict].map(([k, v]) => [k, Array.from(toFloat32(v))]));
};

describe('tools/train.ts, tools/test.ts, tools/infer.ts', () => {
  it('trains into the mmcls work-dir layout; --resume continues a killed run exactly', async () => {
    const common = ['--seed', '3', '--deterministic', '--backend', 'cpu'];
    await tool('train', [cfgFile, '--work-dir', 'wd_full', ...common]);
    const wd = path.join(dir, 'wd_full');
    const files = fs.readdirSync(wd).sort();
    expect(files).toEqual(expect.arrayContaining(['tiny.ts', 'epoch_2.safetensors', 'epoch_3.safetensors', 'latest']));
    expect(files).not.toContain('epoch_1.safetensors'); // max_keep_ckpts: 2
    expect(files.filter((f) => /^\d{8}_\d{6}\.log$/.test(f))).toHaveLength(1);
    expect(files.filter((f) => /^\d{8}_\d{6}\.log\.json$/.test(f))).toHaveLength(1);
    expect(files.filter((f) => /^best_accuracy_top-1_epoch_\d\.safetensors$/.test(f))).toHaveLength(1);
    expect(fs.readFileSync(path.join(wd, 'latest'), 'utf8').trim()).toBe('epoch_3.safetensors');
    const meta = readCheckpoint(path.join(wd, 'epoch_3.safetensors')).meta;
    expect(meta).toMatchObject({ epoch: 3, seed: 3, CLASSES: ['Anger', 'Disgust', 'Fear', 'Sadness', 'Happiness', 'Surprise', 'Neutral'] });
    expect(String(meta.config)).toContain('ToyClassifier');

    // Killed after epoch 1, then `--resume` from the work dir's latest.
    await tool('train', [cfgFile, '--work-dir', 'wd_kill', '--stop-after', '1', ...common]);
    expect(fs.readFileSync(path.join(dir, 'wd_kill', 'latest'), 'utf8').trim()).toBe('epoch_1.safetensors');
    const { stderr } = await tool('train', [cfgFile, '--work-dir', 'wd_kill', '--resume', ...common]);
    expect(stderr + '').toMatch(/resumed epoch 1/);
    expect(weights(path.join(dir, 'wd_kill', 'epoch_3.safetensors'))).toEqual(weights(path.join(wd, 'epoch_3.safetensors')));
  });

  it('test --out has per-sample scores in dataset order that match infer, and ignores pretrained files', async () => {
    const ckpt = path.join(dir, 'wd_full', 'latest');
    // A pretrained file that does not exist: test.ts must not try to load it.
    const { stdout } = await tool('test', [cfgFile, ckpt, '--metrics', 'accuracy', 'class_accuracy', '--out', 'out.json', '--backend', 'cpu', '--cfg-options', 'model.pretrained=missing.pth']);
    expect(stdout).toMatch(/accuracy_top-1 : \d+\.\d\d/);
    const out = JSON.parse(fs.readFileSync(path.join(dir, 'out.json'), 'utf8'));
    expect(out.class_scores).toHaveLength(14);
    expect(out.class_scores[0]).toHaveLength(7);
    expect(out.pred_label).toHaveLength(14);
    expect(out.pred_class[0]).toBe(['Anger', 'Disgust', 'Fear', 'Sadness', 'Happiness', 'Surprise', 'Neutral'][out.pred_label[0]]);
    expect(typeof out['accuracy_top-1']).toBe('number');
    expect(out.class_accuracy).toHaveLength(7);

    const ann = fs.readFileSync(path.join(dir, 'data/EmoLabel/test.txt'), 'utf8').trim().split('\n');
    const imgs = [0, 5].map((i) => path.join(dir, 'data/Image/aligned', ann[i].split(' ')[0].replace('_aligned', '')));
    await tool('infer', [cfgFile, ckpt, ...imgs, '--out', 'infer.json', '--backend', 'cpu', '--cfg-options', 'model.pretrained=missing.pth']);
    const inf = JSON.parse(fs.readFileSync(path.join(dir, 'infer.json'), 'utf8'));
    expect(inf.map((r: { file: string }) => r.file)).toEqual(imgs);
    expect(inf[0].class_scores).toEqual(out.class_scores[0]);
    expect(inf[1].class_scores).toEqual(out.class_scores[5]);
    expect(inf[1].pred_class).toBe(out.pred_class[5]);
  });

  it('fails with a clear message on bad flags', async () => {
    await expect(tool('train', [cfgFile, '--resume-from', 'a', '--resume', '--backend', 'cpu'])).rejects.toMatchObject({ stderr: expect.stringMatching(/either --resume-from CKPT or --resume/) });
    await expect(tool('test', [cfgFile, 'x.safetensors', '--backend', 'cpu'])).rejects.toMatchObject({ stderr: expect.stringMatching(/at least one of --metrics, --out/) });
  });

  it('test.ts loads strictly (a wrong checkpoint is one error, no stack, exit 1); --no-strict and --debug', async () => {
    const bad = saveCheckpoint(path.join(dir, 'other_model.safetensors'), {
      stateDict: new Map([['backbone.conv.weight', makeTensorData('float32', [2], new Float32Array(2))]]),
      meta: {},
    });
    const err = await tool('test', [cfgFile, bad, '--metrics', 'accuracy', '--backend', 'cpu']).then(
      () => null,
      (e: { code: number; stderr: string }) => e,
    );
    expect(err).not.toBeNull();
    expect(err!.code).toBe(1);
    expect(err!.stderr).toMatch(/other_model\.safetensors: the checkpoint does not fit the model \(2 missing, 0 mis-shaped parameters\).*--no-strict/);
    expect(err!.stderr).toMatch(/missing keys in source state_dict: head\.weight, head\.bias/);
    expect(err!.stderr).not.toMatch(/\n\s+at /); // no JavaScript stack
    const ok = await tool('test', [cfgFile, bad, '--metrics', 'accuracy', '--backend', 'cpu', '--no-strict']);
    expect(ok.stdout).toMatch(/accuracy_top-1 : \d/);
    expect(ok.stderr).toMatch(/do not match exactly/);
    // --cfg-options cannot pollute Object.prototype; --debug adds the stack
    const dbg = await tool('test', [cfgFile, bad, '--metrics', 'accuracy', '--backend', 'cpu', '--debug', '--cfg-options', '__proto__.polluted=1']).then(
      () => null,
      (e: { stderr: string }) => e,
    );
    expect(dbg!.stderr).toMatch(/--cfg-options __proto__\.polluted: the key '__proto__' is not allowed/);
    expect(dbg!.stderr).toMatch(/\n\s+at /);
  });
});
