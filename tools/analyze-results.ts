/**
 * mmcls `tools/analysis_tools/analyze_results.py`: the test images the model
 * got right with the highest scores and got wrong with the highest scores,
 * from a `tools/test.ts --out` file (which must hold pred_label and pred_score).
 *
 *   npx tsx tools/analyze-results.ts CONFIG RESULT.json --out-dir DIR [--topk 20] [--cfg-options k=v ...]
 *
 * Writes DIR/success/<name>.png and DIR/fail/<name>.png (one tile per image:
 * predicted class and score, true class) and the overviews DIR/success.png
 * and DIR/fail.png.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import '../src';
import { describeError } from '../src/runner/api/cli-errors';
import { FER_CLASSES } from '../src/data/datasets/base';
import { loadRunConfig } from '../src/runner/api/cli';
import { Logger } from '../src/runner/logger';
import { tileGrid } from '../src/visualization/annotate';
import { writePng } from '../src/visualization/svg';
import { sampleTile, testImages, type TestImage } from './lib/test-images';
import { parseArgv, runMain } from './lib/cli';

interface Case {
  index: number;
  image: TestImage;
  label: number;
  score: number;
}

/** The `topk` highest-scored right and wrong predictions (mmcls ranks both by the predicted score, descending). */
export function rankCases(images: TestImage[], predLabel: number[], predScore: number[], topk: number): { success: Case[]; fail: Case[] } {
  const cases = images.map((image, index) => ({ index, image, label: predLabel[index], score: predScore[index] }));
  const labelled = cases.filter((c) => c.image.gtLabel !== undefined);
  const byScore = (a: Case, b: Case) => b.score - a.score || a.index - b.index;
  return {
    success: labelled.filter((c) => c.label === c.image.gtLabel).sort(byScore).slice(0, topk),
    fail: labelled.filter((c) => c.label !== c.image.gtLabel).sort(byScore).slice(0, topk),
  };
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('analyze-results')
    .description('draw the best and the worst test predictions')
    .argument('<config>', 'config file (its test split is what RESULT.json predicts)')
    .argument('<result>', 'JSON written by tools/test.ts --out (with pred_label and pred_score)')
    .requiredOption('--out-dir <dir>', 'where the pictures go')
    .option('--topk <n>', 'images per group', '20')
    .option('--cfg-options <pairs...>', 'override config keys: a.b=1 c.0.d=x');
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const o = program.opts<{ outDir: string; topk: string; cfgOptions?: string[] }>();
  const [configFile, resultFile] = program.args;
  const logger = new Logger();
  try {
    const topk = Number(o.topk);
    if (!Number.isInteger(topk) || topk < 1) throw new Error(`--topk must be a positive integer, got '${o.topk}'`);
    if (!fs.existsSync(resultFile)) throw new Error(`${resultFile}: result file not found (write one with tools/test.ts CONFIG CKPT --out ${resultFile})`);
    const res = JSON.parse(fs.readFileSync(resultFile, 'utf8')) as { pred_label?: number[]; pred_score?: number[]; pred_class?: string[] };
    if (!Array.isArray(res.pred_label) || !Array.isArray(res.pred_score)) {
      throw new Error(`${resultFile}: needs pred_label and pred_score (run tools/test.ts with --out-items all, or pred_label pred_score)`);
    }
    const config = loadRunConfig(configFile, o.cfgOptions, logger);
    const images = await testImages(config.cfg);
    if (images.length !== res.pred_label.length) throw new Error(`${resultFile}: ${res.pred_label.length} predictions, but the config's test split has ${images.length} images`);
    // Names as the test run printed them (pred_class), else the FER order.
    const classes = [...FER_CLASSES];
    res.pred_label.forEach((l, i) => {
      if (res.pred_class?.[i] !== undefined) classes[l] = res.pred_class[i];
    });
    const groups = rankCases(images, res.pred_label, res.pred_score, topk);
    for (const [group, cases] of Object.entries(groups)) {
      const sub = path.join(o.outDir, group);
      fs.mkdirSync(sub, { recursive: true });
      const tiles: Buffer[] = [];
      for (const c of cases) {
        const tile = await sampleTile(c.image, { label: c.label, score: c.score }, classes, 192);
        tiles.push(tile);
        await writePng(path.join(sub, `${path.basename(c.image.file, path.extname(c.image.file))}.png`), tile);
      }
      if (!tiles.length) {
        logger.info(`${group}: no cases`);
        continue;
      }
      const title = group === 'success' ? `Right, most confident first (${cases.length} of ${topk})` : `Wrong, most confident first (${cases.length} of ${topk})`;
      await writePng(path.join(o.outDir, `${group}.png`), await tileGrid(tiles, 4, title, `${path.basename(configFile)} - ${path.basename(resultFile)}`));
      logger.info(`${group}: ${cases.length} images in ${sub}, overview ${path.join(o.outDir, `${group}.png`)}`);
    }
    return 0;
  } catch (e) {
    logger.error(describeError(e));
    return 1;
  }
}

if (require.main === module) runMain(main);
