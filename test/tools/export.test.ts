/** tools/export.ts: export -> load round trip per dtype, sharding, the same scores as the checkpoint, flag errors. */
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import '../../src';
import { initBackend } from '../../src/backend/backend';
import { readCheckpoint } from '../../src/checkpoint/load';
import { loadExportedModel, readExportWeights, readModelJson } from '../../src/export/read';
import { floatToHalf as float16Bits } from '../../src/contracts/tensor-data';
import { initModel } from '../../src/runner/api/test';
import { tf } from '../../src/tf';
import { memoryLogger } from '../harness/toy';
import { makeApvitFixture, type ApvitFixture } from '../browser/apvit-fixture';

const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
const run = promisify(execFile);
let dir: string;
let fx: ApvitFixture;

function exportTool(args: string[]) {
  return run(TSX, [path.join(ROOT, 'tools/export.ts'), ...args], { cwd: dir, maxBuffer: 1 << 24 });
}
async function failing(args: string[]): Promise<string> {
  try {
    await exportTool(args);
  } catch (e) {
    return (e as { stderr: string }).stderr;
  }
  throw new Error(`export ${args.join(' ')} succeeded`);
}

beforeAll(async () => {
  await initBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-export-'));
  fx = await makeApvitFixture(dir);
}, 60000);
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The checkpoint's float32 values by key. */
function checkpointValues(): Map<string, Float32Array> {
  const sd = readCheckpoint(fx.checkpoint).stateDict;
  return new Map([...sd].map(([k, v]) => [k, Float32Array.from(v.data as Float32Array)]));
}

describe('tools/export.ts', () => {
  it('float32 round trip is exact, 10 KiB shards, and the loaded model scores like the checkpoint', async () => {
    const { stdout } = await exportTool([fx.config, fx.checkpoint, '--out', 'f32', '--shard-size', '0.01', '--backend', 'cpu']);
    expect(stdout).toMatch(/^file +size/m);
    expect(stdout).toMatch(/weights \(float32\) .* = 100\.0% of float32/);
    const spec = readModelJson(path.join(dir, 'f32'));
    expect(spec.preprocess).toMatchObject({ size: [32, 32], channel_order: 'rgb', load_channel_order: 'bgr', mean: [123.675, 116.28, 103.53] });
    expect(spec.classes).toHaveLength(7);
    expect((spec.model.extractor as { pretrained?: unknown }).pretrained).toBeUndefined();
    const paths = spec.weightsManifest[0].paths;
    expect(paths.length).toBeGreaterThan(1);
    for (const p of paths) expect(fs.statSync(path.join(dir, 'f32', p)).size).toBeLessThanOrEqual(Math.round(0.01 * 1024 * 1024));
    const want = checkpointValues();
    const got = readExportWeights(path.join(dir, 'f32'));
    expect([...got.keys()].sort()).toEqual([...want.keys()].sort());
    for (const [k, t] of got) expect(Float32Array.from(t.dataSync())).toEqual(want.get(k));
    tf.dispose([...got.values()]);

    const img = tf.randomUniform([2, 32, 32, 3], -2, 2, 'float32', 5) as tf.Tensor4D;
    const orig = await initModel(fx.config, fx.checkpoint, memoryLogger());
    const { model } = loadExportedModel(path.join(dir, 'f32'));
    const batch = { img: { data: img.dataSync() as Float32Array, shape: img.shape }, indices: [0, 1] };
    const a = tf.tidy(() => orig.model.testStep(batch)).arraySync();
    const b = tf.tidy(() => model.testStep(batch)).arraySync();
    expect(b).toEqual(a);
    tf.dispose(img);
    orig.model.dispose?.();
    model.dispose?.();
  }, 120000);

  it('float16 and uint8 round trips stay within their quantisation error', async () => {
    const want = checkpointValues();
    for (const dtype of ['float16', 'uint8'] as const) {
      const { stdout } = await exportTool([fx.config, fx.checkpoint, '--out', dtype, '--dtype', dtype, '--backend', 'cpu']);
      expect(stdout).toMatch(new RegExp(`weights \\(${dtype}\\) .* = ${dtype === 'uint8' ? '25' : '50'}\\.\\d% of float32`));
      const spec = readModelJson(path.join(dir, dtype));
      const got = readExportWeights(path.join(dir, dtype));
      for (const entry of spec.weightsManifest[0].weights) {
        if (entry.dtype !== 'float32') continue; // integer buffers are stored as they are
        const w = want.get(entry.name)!;
        const g = got.get(entry.name)!.dataSync();
        if (dtype === 'float16') {
          expect(entry.quantization).toEqual({ dtype: 'float16' });
          // half precision: 11 significant bits, subnormals below 2^-14
          for (let i = 0; i < w.length; i++) expect(Math.abs(g[i] - w[i])).toBeLessThanOrEqual(Math.max(Math.abs(w[i]) * 2 ** -11, 2 ** -25));
        } else {
          const { scale, min } = entry.quantization as { scale: number; min: number };
          expect(min).toBeCloseTo(Math.min(...w), 6);
          for (let i = 0; i < w.length; i++) expect(Math.abs(g[i] - w[i])).toBeLessThanOrEqual(scale / 2 + 1e-6);
        }
      }
      tf.dispose([...got.values()]);
    }
  }, 120000);

  it('float16 rounding: exact halves, ties to even, overflow to infinity', () => {
    expect(float16Bits(1)).toBe(0x3c00);
    expect(float16Bits(-2)).toBe(0xc000);
    expect(float16Bits(65504)).toBe(0x7bff);
    expect(float16Bits(70000)).toBe(0x7c00);
    expect(float16Bits(1 + 2 ** -11)).toBe(0x3c00); // tie -> even
    expect(float16Bits(1 + 3 * 2 ** -11)).toBe(0x3c02);
    expect(float16Bits(2 ** -24)).toBe(1); // smallest subnormal
  });

  it('bad arguments name the flag', async () => {
    expect(await failing([fx.config, fx.checkpoint, '--out', 'x', '--dtype', 'int4'])).toMatch(/--dtype/);
    expect(await failing([fx.config, fx.checkpoint, '--out', 'x', '--shard-size', 'big'])).toMatch(/--shard-size must be a number of MB/);
    expect(await failing([fx.config, fx.checkpoint])).toMatch(/--out/);
  }, 120000);
});
