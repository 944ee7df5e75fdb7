/** tools/convert-checkpoint.ts and convertCheckpoint(). */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { execFileSync } from 'child_process';
import { convertCheckpoint } from '../../src/checkpoint/convert';
import { readCheckpoint } from '../../src/checkpoint/load';
import { writePth } from '../../src/checkpoint/pth/write';
import { PyOrderedDict } from '../../src/checkpoint/pth/pickle';
import { readSafetensors } from '../../src/checkpoint/safetensors';
import { TensorData, fromFloat32, makeTensorData } from '../../src/checkpoint/tensor-data';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'convert-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const repoRoot = path.resolve(__dirname, '../..');

function official(file: string): void {
  const sd = new PyOrderedDict<string, TensorData>([
    ['module.head.fc.weight', fromFloat32([1, 2, 3, 4, 5, 6], [3, 2])],
    ['module.head.fc.bias', fromFloat32([0.5, -0.5, 0], [3])],
    ['module.extractor.input_layer.1.num_batches_tracked', makeTensorData('int64', [], BigInt64Array.from([1234n]))],
  ]);
  const optState = new Map<number, unknown>([[0, new Map([['momentum_buffer', fromFloat32([1, 1, 1, 1, 1, 1], [3, 2])]])]]);
  writePth(file, {
    meta: { epoch: 40, iter: 16000, CLASSES: ['Anger', 'Disgust', 'Fear'], config: "model = dict(type='PoolingVitClassifier')", mmcv_version: '1.3.0' },
    state_dict: sd,
    optimizer: { state: optState, param_groups: [{ lr: 1e-4, momentum: 0.9, params: [0, 1] }] },
  });
}

describe('convert-checkpoint', () => {
  test('official .pth → our safetensors keeps weights, meta; optimizer only on request', () => {
    const src = path.join(tmp, 'epoch_40.pth');
    official(src);
    const s = convertCheckpoint(src, path.join(tmp, 'apvit'));
    expect(s.output).toBe(path.join(tmp, 'apvit.safetensors'));
    expect(s.tensors).toBe(3);
    expect(s.elements).toBe(10);
    expect(s.optimizer).toBe('dropped');
    const ck = readCheckpoint(s.output);
    expect([...ck.stateDict.keys()]).toEqual(['head.fc.weight', 'head.fc.bias', 'extractor.input_layer.1.num_batches_tracked']);
    expect(Array.from(ck.stateDict.get('head.fc.weight')!.data as Float32Array)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(ck.stateDict.get('extractor.input_layer.1.num_batches_tracked')!.dtype).toBe('int64');
    expect(ck.meta).toEqual({ epoch: 40, iter: 16000, CLASSES: ['Anger', 'Disgust', 'Fear'], config: "model = dict(type='PoolingVitClassifier')", mmcv_version: '1.3.0' });
    expect(ck.optimizer).toBeUndefined();

    const k = convertCheckpoint(src, path.join(tmp, 'with_opt.safetensors'), { keepOptimizer: true });
    expect(k.optimizer).toBe('kept');
    const opt = readCheckpoint(k.output).optimizer as { state: Record<string, { momentum_buffer: TensorData }>; param_groups: unknown[] };
    expect(opt.param_groups).toEqual([{ lr: 1e-4, momentum: 0.9, params: [0, 1] }]);
    expect(opt.state['0'].momentum_buffer.shape).toEqual([3, 2]);
  });

  test('the CLI converts and prints a summary; bad input exits non-zero with the file named', () => {
    const src = path.join(tmp, 'cli.pth');
    official(src);
    const out = path.join(tmp, 'cli_out');
    const tsx = path.join(repoRoot, 'node_modules', '.bin', 'tsx');
    const text = execFileSync(tsx, ['tools/convert-checkpoint.ts', src, out], { cwd: repoRoot, encoding: 'utf8' });
    expect(text).toContain('3 tensors, 10 elements; meta keys: epoch, iter, CLASSES, config, mmcv_version');
    expect(readSafetensors(`${out}.safetensors`).tensors.size).toBe(3);
    const bad = path.join(tmp, 'bad.pth');
    fs.writeFileSync(bad, 'garbage');
    let err = '';
    try {
      execFileSync(tsx, ['tools/convert-checkpoint.ts', bad, out], { cwd: repoRoot, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      err = String((e as { stderr: string }).stderr);
    }
    expect(err).toContain('bad.pth: not a torch checkpoint');
  });
});
