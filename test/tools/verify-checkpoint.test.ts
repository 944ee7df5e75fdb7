/** tools/verify-checkpoint.ts: names every missing, unexpected and mis-shaped tensor, and checks sha256 (given or in the file name). */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import '../../src';
import '../harness/toy-plugin';
import { initBackend } from '../../src/backend/backend';
import { saveCheckpoint } from '../../src/checkpoint/load';
// the built-in plugin packages (the configs written here name their components)
import '@fer-mm/apvit';
import '@fer-mm/transfer';
import { buildModel } from '../../src/runner/api/build';
import { tf } from '../../src/tf';
import { toyToolConfig } from '../harness/tool-config';
import { tinyConfig } from '../apvit/tiny';
import type { Module } from '../../src/nn/module';

const run = promisify(execFile);
const ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(ROOT, 'node_modules/.bin/tsx');
// the tool runs in a temporary folder: point tsx at the repository's tsconfig, whose paths map the package names
const ENV = { ...process.env, TSX_TSCONFIG_PATH: path.join(ROOT, 'tsconfig.json') };
let dir: string;

function verify(args: string[]) {
  return run(TSX, [path.join(ROOT, 'tools/verify-checkpoint.ts'), ...args], { cwd: dir, env: ENV }).then(
    (r) => ({ code: 0, out: r.stdout }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );
}

beforeAll(async () => {
  await initBackend('cpu');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fer-mm-verify-'));
  const toy = toyToolConfig(path.join(dir, 'data'));
  fs.writeFileSync(path.join(dir, 'toy.json'), JSON.stringify(toy));
  fs.writeFileSync(path.join(dir, 'apvit.json'), JSON.stringify({ custom_imports: { imports: ['@fer-mm/apvit'] }, model: tinyConfig(), data: toy.data }));
  const model = (await buildModel(toy as never, { loadPretrained: false })) as unknown as Module;
  saveCheckpoint(path.join(dir, 'good'), { stateDict: model.stateDict(), meta: {} });
  const sd = new Map<string, tf.Tensor>(model.stateDict());
  sd.delete('head.bias');
  sd.set('head.weight', tf.zeros([3, 48]));
  sd.set('extra.weight', tf.zeros([2]));
  saveCheckpoint(path.join(dir, 'bad'), { stateDict: sd, meta: {} });
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('verify-checkpoint', () => {
  it('passes a matching file and checks the hash in its published name', async () => {
    const digest = createHash('sha256').update(fs.readFileSync(path.join(dir, 'good.safetensors'))).digest('hex');
    fs.copyFileSync(path.join(dir, 'good.safetensors'), path.join(dir, `toy-${digest.slice(0, 8)}.safetensors`));
    const ok = await verify(['toy.json', `toy-${digest.slice(0, 8)}.safetensors`]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`sha256 ${digest}: matches the hash in the file name (${digest.slice(0, 8)})`);
    expect(ok.out).toContain('all 2 tensors of the model are in the file with the right shapes');
    const wrong = await verify(['toy.json', 'good.safetensors', '--sha256', '00000000']);
    expect(wrong.code).toBe(1);
    expect(wrong.out).toMatch(/does NOT match --sha256 00000000/);
  });

  it('names every missing, unexpected and mis-shaped tensor', async () => {
    const r = await verify(['toy.json', 'bad.safetensors']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/missing from the file \(the model has them\) \(1\):\n  head\.bias/);
    expect(r.out).toMatch(/unexpected in the file \(the model does not have them\) \(1\):\n  extra\.weight/);
    expect(r.out).toContain('head.weight: file [3, 48], model [7, 48]');
    expect(r.out).toContain('keys and shapes: 0 of 2 tensors of the model match');
  });

  it('checks backbone files the way they are loaded: face.evoLVe IR and timm ViT layouts', async () => {
    const model = (await buildModel({ model: tinyConfig() } as never, { loadPretrained: false })) as unknown as Module;
    // face.evoLVe: flat body.N (N over all units), plus the layers APViT does not build
    const ir = new Map<string, tf.Tensor>();
    const units = [1, 2, 1];
    for (const [k, v] of model.getModule('extractor')!.stateDict()) {
      const m = /^body\.(\d+)\.(\d+)\.(.*)$/.exec(k);
      const flat = m ? units.slice(0, Number(m[1])).reduce((a, b) => a + b, 0) + Number(m[2]) : -1;
      ir.set(m ? `body.${flat}.${m[3]}` : k, v);
    }
    ir.set('body.4.res_layer.1.weight', tf.zeros([1]));
    ir.set('output_layer.1.weight', tf.zeros([1]));
    saveCheckpoint(path.join(dir, 'ir'), { stateDict: ir, meta: {} });
    const r1 = await verify(['apvit.json', 'ir.safetensors', '--part', 'extractor']);
    expect(r1.out).toMatch(/unexpected, as with the official code \(not used\) \(2\):\n  body\.4\.res_layer\.1\.weight\n  output_layer\.1\.weight/);
    expect(r1.out).toMatch(/all \d+ tensors of model\.extractor are in the file/);
    expect(r1.code).toBe(0);
    // timm: one pos_embed with the CLS row, a patch_embed and a head that APViT drops
    const vit = new Map<string, tf.Tensor>([...model.getModule('vit')!.stateDict()].filter(([k]) => !/pos_embed|^projs\./.test(k)));
    vit.set('pos_embed', tf.zeros([1, 17, 16]));
    vit.set('patch_embed.proj.weight', tf.zeros([16, 3, 16, 16]));
    vit.set('head.weight', tf.zeros([1000, 16]));
    saveCheckpoint(path.join(dir, 'vit'), { stateDict: vit, meta: {} });
    const r2 = await verify(['apvit.json', 'vit.safetensors', '--part', 'vit']);
    expect(r2.out).toMatch(/missing, as with the official code \(left at their initial values\) \(2\):\n  projs\.0\.weight\n  projs\.0\.bias/);
    expect(r2.code).toBe(0);
    // the wrong file for the part: every difference is named
    const r3 = await verify(['apvit.json', 'vit.safetensors', '--part', 'extractor']);
    expect(r3.code).toBe(1);
    expect(r3.out).toMatch(/missing from the file \(the model has them\) \(\d+\):\n  input_layer\.0\.weight/);
  }, 60000);
});
