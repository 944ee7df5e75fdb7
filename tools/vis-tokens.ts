/**
 * What APViT's attentive pooling kept for one face: the image with the
 * patches APP (attentive patch pooling) kept from the CNN feature map, then
 * the tokens each ATP (attentive token pooling) block kept, drawn over it;
 * discarded patches are shaded.
 *
 *   npx tsx tools/vis-tokens.ts CONFIG CHECKPOINT IMG --out tokens.png [--size 224] [--backend NAME] [--cfg-options k=v ...]
 *
 * Works with models whose `vit` records a `lastTrace` (PoolingVitClassifier).
 */
import * as path from 'node:path';
import { Command } from 'commander';
import '../src';
import { describeError } from '../src/runner/api/cli-errors';
import { loadRunConfig, selectBackend } from '../src/runner/api/cli';
import { inferenceModel } from '../src/runner/api/infer';
import { initModel } from '../src/runner/api/test';
import { Logger } from '../src/runner/logger';
import { captionedImage, patchOverlay, tileGrid } from '../src/visualization/annotate';
import { writePng } from '../src/visualization/svg';
import { parseArgv } from './lib/cli';

interface Trace {
  app: number[][] | null;
  atp: Array<number[][] | null>;
}

export interface KeptStage {
  label: string;
  /** Patch indices (row-major in the token grid) still present after this stage. */
  patches: number[];
}

/**
 * Maps the trace of sample `b` back to patches: APP indices are patches; ATP
 * indices point into the previous stage's token list, whose position 0 is the CLS token.
 */
export function keptStages(trace: Trace, patchNum: number, b = 0): KeptStage[] {
  const all = Array.from({ length: patchNum }, (_, i) => i);
  const app = trace.app ? trace.app[b] : all;
  const stages: KeptStage[] = [{ label: trace.app ? `APP: ${app.length} of ${patchNum} patches kept` : `APP off: all ${patchNum} patches`, patches: app }];
  let tokens = [-1, ...app]; // -1: the CLS token
  trace.atp.forEach((keep, i) => {
    if (!keep) return;
    tokens = keep[b].map((j) => {
      if (j < 0 || j >= tokens.length) throw new Error(`vis-tokens: block ${i + 1} keeps token ${j} of ${tokens.length}`);
      return tokens[j];
    });
    const patches = tokens.filter((t) => t >= 0);
    stages.push({ label: `ATP block ${i + 1}: ${patches.length} tokens kept`, patches });
  });
  return stages;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('vis-tokens')
    .description("draw the patches APP kept and the tokens each ATP block kept, over the face")
    .argument('<config>', 'config file (an APViT-style model)')
    .argument('<checkpoint>', 'checkpoint (ours or an official .pth)')
    .argument('<image>', 'face image')
    .option('--out <file>', 'PNG to write', 'tokens.png')
    .option('--size <px>', 'side of each panel', '224')
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the best present)')
    .option('--cfg-options <pairs...>', 'override config keys: a.b=1 c.0.d=x');
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const o = program.opts<{ out: string; size: string; backend?: string; cfgOptions?: string[] }>();
  const [configFile, checkpoint, image] = program.args;
  const logger = new Logger();
  try {
    const size = Number(o.size);
    if (!Number.isInteger(size) || size < 32) throw new Error(`--size must be an integer >= 32, got '${o.size}'`);
    await selectBackend(o.backend, logger);
    const config = loadRunConfig(configFile, o.cfgOptions, logger);
    const model = await initModel(config.cfg, checkpoint, logger);
    const vit = (model.model as unknown as { vit?: { lastTrace?: Trace; args?: { patch_num?: number } } }).vit;
    if (!vit?.lastTrace || !vit.args?.patch_num) {
      throw new Error(`model (${String((config.cfg.model as Record<string, unknown>).type)}) has no vit.lastTrace: vis-tokens needs an attentive-pooling ViT such as PoolingVitClassifier`);
    }
    const pred = await inferenceModel(model, image);
    const n = vit.args.patch_num;
    const side = Math.round(Math.sqrt(n));
    if (side * side !== n) throw new Error(`model.vit.patch_num ${n} is not a square grid`);
    const stages = keptStages(vit.lastTrace, n);
    const panels = [await captionedImage(image, [{ text: 'input', bold: true }, { text: `${side}x${side} patch grid` }], size)];
    for (const s of stages) {
      const overlay = await patchOverlay(image, size, { rows: side, cols: side, kept: s.patches });
      panels.push(await captionedImage(overlay, [{ text: s.label.split(':')[0], bold: true }, { text: s.label.split(': ')[1] ?? '' }], size));
    }
    const title = `Attentive pooling on ${path.basename(image)}: pred ${pred.pred_class} (${pred.pred_score.toFixed(3)})`;
    await writePng(o.out, await tileGrid(panels, panels.length <= 4 ? panels.length : Math.ceil(panels.length / 2), title, 'shaded: patches dropped; outlined: patches whose token is still in use'));
    for (const s of stages) logger.info(s.label);
    logger.info(`saved ${o.out}`);
    return 0;
  } catch (e) {
    logger.error(describeError(e));
    return 1;
  }
}

if (require.main === module) main(process.argv).then((code) => process.exit(code));
