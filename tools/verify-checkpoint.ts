/**
 * Checks a downloaded checkpoint against what a config needs: every tensor
 * key and shape of the model built from CONFIG (or of one backbone, for the
 * pretrained files), and the sha256. Says exactly what differs; exits 1 on
 * any difference.
 *
 *   npx tsx tools/verify-checkpoint.ts CONFIG FILE [--part model|extractor|vit] [--sha256 HEX] [--max-list 20]
 *
 * --part model (default): a trained checkpoint (e.g. APViT_RAF-3eeecf7d.pth or its converted .safetensors).
 * --part extractor: the face.evoLVe IR-50 file named by model.extractor.pretrained (keys remapped as when loading).
 * --part vit: the timm ViT file named by model.vit.pretrained (pos_embed split and resized as when loading).
 * --sha256: the full hash or a prefix of 8+ hex digits; by default the hash in the
 * file name (`name-<hex>.pth`, the mmcv/torch hub convention) is checked when there is one.
 */
import * as fs from 'node:fs';
import { Command, Option } from 'commander';
import '../src';
import { describeError } from '../src/runner/api/cli-errors';
import { readCheckpoint } from '../src/checkpoint/load';
import type { TensorData } from '../src/checkpoint/tensor-data';
import type { Module } from '../src/nn/module';
import { loadRunConfig, selectBackend } from '../src/runner/api/cli';
import { buildModel } from '../src/runner/api/build';
import { Logger } from '../src/runner/logger';
import { remapTimmVit } from '../src/models';
import { compareKeys, formatKeyReport, hashInName, reportOk, sha256File } from './lib/verify';
import { parseArgv } from './lib/cli';
import { importPlugin } from '../src/plugin-loader/loader';
import { requireModule } from '../src/config/module-loader';

type Part = 'model' | 'extractor' | 'vit';

const shapes = (m: Map<string, { shape: number[] }>) => new Map([...m].map(([k, v]) => [k, [...v.shape]]));

type FaceEvoLVeRemap = (sd: Map<string, unknown>, unitsPerStage?: number[]) => Map<string, TensorData>;

/**
 * The face.evoLVe IR remap of the APViT plugin, loaded through the plugin
 * loader (as a config's custom_imports would) only when an extractor file is checked.
 */
function faceEvoLVeRemap(): FaceEvoLVeRemap {
  const plugin = importPlugin('@fer-mm/apvit', { from: __filename });
  return (requireModule(plugin.file) as { remapFaceEvoLVe: FaceEvoLVeRemap }).remapFaceEvoLVe;
}

/** Expected keys/shapes of `part` and the file's, remapped as the loading code remaps that part. */
function sides(model: Module, part: Part, file: Map<string, TensorData>) {
  if (part === 'model') return { want: shapes(model.stateDict()), got: shapes(file), allow: {} };
  const sub = model.getModule(part);
  if (!sub) throw new Error(`--part ${part}: the model of this config has no '${part}' module`);
  if (part === 'extractor') {
    // built units per stage split the flat face.evoLVe body.N (as IRSE.initWeights does)
    const body = sub.getModule('body');
    const units = body ? body.namedChildren().map(([, s]) => s.namedChildren().length) : undefined;
    return {
      want: shapes(sub.stateDict()),
      got: shapes(faceEvoLVeRemap()(file, units)),
      allow: { unexpected: [/^body\.\d+\.(?!\d)/, /^output_layer\./] }, // body.21-23 of IR-50 stay flat
    };
  }
  const patchNum = (sub as unknown as { args?: { patch_num?: number } }).args?.patch_num ?? 196;
  return { want: shapes(sub.stateDict()), got: shapes(remapTimmVit(file, patchNum)), allow: { missing: [/^projs\./] } };
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('verify-checkpoint')
    .description('check a checkpoint file against the model of a config (keys, shapes) and its sha256')
    .argument('<config>', 'config file')
    .argument('<file>', 'checkpoint (.pth or .safetensors)')
    .addOption(new Option('--part <part>', 'what the file holds').choices(['model', 'extractor', 'vit']).default('model'))
    .option('--sha256 <hex>', 'expected sha256 (full, or a prefix of at least 8 hex digits)')
    .option('--max-list <n>', 'keys listed per kind of difference (0: all)', '20');
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const o = program.opts<{ part: Part; sha256?: string; maxList: string }>();
  const [configFile, file] = program.args;
  const logger = new Logger();
  try {
    if (!fs.existsSync(file)) throw new Error(`${file}: file not found`);
    let ok = true;
    const want = (o.sha256 ?? hashInName(file))?.toLowerCase();
    if (want !== undefined && !/^[0-9a-f]{8,64}$/.test(want)) throw new Error(`--sha256 must be 8 to 64 hex digits, got '${o.sha256}'`);
    const digest = await sha256File(file);
    if (want === undefined) process.stdout.write(`sha256 ${digest} (nothing to compare with: pass --sha256)\n`);
    else if (digest.startsWith(want)) process.stdout.write(`sha256 ${digest}: matches ${o.sha256 ? '--sha256' : 'the hash in the file name'} (${want})\n`);
    else {
      ok = false;
      process.stdout.write(`sha256 ${digest}: does NOT match ${o.sha256 ? '--sha256' : 'the hash in the file name'} ${want} (corrupt or different download?)\n`);
    }
    await selectBackend('cpu', logger);
    const config = loadRunConfig(configFile, undefined, logger);
    const model = (await buildModel(config.cfg, { loadPretrained: false })) as unknown as Module;
    const ck = readCheckpoint(file, { unwrap: ['state_dict', 'model'] });
    const { want: expected, got, allow } = sides(model, o.part, ck.stateDict);
    const report = compareKeys(expected, got, allow);
    for (const line of formatKeyReport(report, Number(o.maxList))) process.stdout.write(`${line}\n`);
    const where = o.part === 'model' ? 'the model' : `model.${o.part}`;
    if (reportOk(report)) process.stdout.write(`keys and shapes: all ${report.matched} tensors of ${where} are in the file with the right shapes\n`);
    else {
      ok = false;
      process.stdout.write(`keys and shapes: ${report.matched} of ${expected.size} tensors of ${where} match; see the differences above\n`);
    }
    process.stdout.write(ok ? `OK: ${file} fits ${configFile}\n` : `FAILED: ${file} does not fit ${configFile}\n`);
    return ok ? 0 : 1;
  } catch (e) {
    logger.error(describeError(e));
    return 1;
  }
}

main(process.argv).then((code) => process.exit(code));
