/**
 * mmcls `tools/visualizations/vis_lr.py`: the learning rate of every training
 * iteration under a config's `lr_config`, drawn as a PNG (no training runs).
 *
 *   npx tsx tools/vis-lr.ts CONFIG --out lr.png [--dataset-size N] [--ngpus N] [--cfg-options k=v ...]
 *
 * Iterations per epoch = ceil(dataset size / (samples_per_gpu x ngpus)); the
 * dataset size is read from the config's train split unless --dataset-size is given.
 */
import { Command } from 'commander';
import '../src';
import { describeError } from '../src/runner/api/cli-errors';
import { groupLrsAt, buildLrPolicy } from '../src/lr';
import { SingleProcessDist } from '../src/runner/dist';
import { loadRunConfig } from '../src/runner/api/cli';
import { buildSplitLoader } from '../src/runner/api/build';
import { Logger } from '../src/runner/logger';
import { chartSvg } from '../src/visualization/chart';
import { writePng } from '../src/visualization/svg';
import { parseArgv } from './lib/cli';

import type { Dict } from '../src/utils/dict';

/** [global iteration (1-based), lr] for the whole schedule. */
export function lrSchedule(cfg: Dict, itersPerEpoch: number): { points: Array<[number, number]>; byEpoch: boolean } {
  const lrCfg = cfg.lr_config as Dict | null | undefined;
  if (!lrCfg) throw new Error('config key lr_config is not set: the LR stays at optimizer.lr');
  const { type: _t, priority: _p, resume_schedule: _r, ...policyCfg } = lrCfg;
  const policy = buildLrPolicy(policyCfg, { path: 'lr_config' });
  const base = (cfg.optimizer as Dict | undefined)?.lr;
  if (typeof base !== 'number') throw new Error('config key optimizer.lr must be a number');
  const runner = (cfg.runner ?? {}) as Dict;
  const byEpoch = runner.max_iters === undefined;
  const maxEpochs = byEpoch ? Number(runner.max_epochs ?? cfg.total_epochs) : 0;
  if (byEpoch && !(maxEpochs > 0)) throw new Error('config key runner.max_epochs (or runner.max_iters) is needed');
  const maxIters = byEpoch ? maxEpochs * itersPerEpoch : Number(runner.max_iters);
  const points: Array<[number, number]> = [];
  for (let it = 0; it < maxIters; it++) {
    const epoch = byEpoch ? Math.floor(it / itersPerEpoch) : 0;
    points.push([it + 1, groupLrsAt(policy, [base], { epoch, iter: it, maxEpochs, maxIters, itersPerEpoch })[0]]);
  }
  return { points, byEpoch };
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('vis-lr')
    .description("draw the learning-rate schedule of a config's lr_config")
    .argument('<config>', 'config file')
    .option('--out <file>', 'PNG to write', 'lr.png')
    .option('--dataset-size <n>', 'training images (default: the size of the config train split)')
    .option('--ngpus <n>', 'processes the batch is split over', '1')
    .option('--title <t>', 'image title')
    .option('--cfg-options <pairs...>', 'override config keys: a.b=1 c.0.d=x');
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const o = program.opts<{ out: string; datasetSize?: string; ngpus: string; title?: string; cfgOptions?: string[] }>();
  const logger = new Logger();
  try {
    const config = loadRunConfig(program.args[0], o.cfgOptions, logger);
    const cfg = config.cfg;
    let size = o.datasetSize !== undefined ? Number(o.datasetSize) : NaN;
    if (o.datasetSize === undefined) {
      const loader = buildSplitLoader(cfg, 'train', { seed: 0, dist: new SingleProcessDist(), workers: 0 });
      size = loader.dataset.length;
      await loader.close();
    }
    if (!Number.isInteger(size) || size < 1) throw new Error(`--dataset-size must be a positive integer, got '${o.datasetSize}'`);
    const perGpu = Number((cfg.data as Dict).samples_per_gpu ?? 1);
    const itersPerEpoch = Math.ceil(size / (perGpu * Number(o.ngpus)));
    const { points, byEpoch } = lrSchedule(cfg, itersPerEpoch);
    const policy = String((cfg.lr_config as Dict).policy);
    const title = o.title ?? `LR schedule: ${policy} (${byEpoch ? `${itersPerEpoch} iters/epoch` : 'by iter'})`;
    await writePng(o.out, chartSvg([{ title, xLabel: 'iteration', yLabel: 'learning rate', series: [{ name: `lr (base ${points.length ? (cfg.optimizer as Dict).lr : ''})`, points }] }]));
    logger.info(`saved the LR curve of ${points.length} iterations to ${o.out}`);
    return 0;
  } catch (e) {
    logger.error(describeError(e));
    return 1;
  }
}

if (require.main === module) main(process.argv).then((code) => process.exit(code));
