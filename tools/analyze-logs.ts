/**
 * mmcls `tools/analysis_tools/analyze_logs.py` for `<ts>.log.json` files.
 *
 *   npx tsx tools/analyze-logs.ts plot_curve LOG.json [LOG2.json ...] --keys loss accuracy_top-1 --out curves.png [--legend A B] [--title T]
 *   npx tsx tools/analyze-logs.ts cal_train_time LOG.json [...] [--include-outliers]
 *
 * plot_curve draws one panel per key: train keys (loss, lr...) against the
 * iteration, val-only keys (accuracy_top-1...) against the epoch; one line per log.
 */
import * as path from 'node:path';
import { Command } from 'commander';
import { describeError } from '../src/runner/api/cli-errors';
import { chartSvg, type Panel } from '../src/visualization/chart';
import { writePng } from '../src/visualization/svg';
import { curve, loadJsonLog, trainTime } from './lib/json-log';
import { runMain } from './lib/cli';

async function main(argv: string[]): Promise<number> {
  const program = new Command('analyze-logs').description('plot curves or compute train time from .log.json files').exitOverride();
  program
    .command('plot_curve')
    .argument('<logs...>', '.log.json files')
    .option('--keys <keys...>', 'keys to plot', ['loss'])
    .option('--legend <names...>', 'one name per log (default: the file names)')
    .option('--title <t>', 'image title (default: the key)')
    .option('--out <file>', 'PNG to write', 'curves.png')
    .option('--width <px>', 'image width', '720')
    .action(async (logs: string[], o: { keys: string[]; legend?: string[]; title?: string; out: string; width: string }) => {
      if (o.legend && o.legend.length !== logs.length) throw new Error(`--legend: ${o.legend.length} names for ${logs.length} logs`);
      const recs = logs.map((f) => loadJsonLog(f));
      const names = o.legend ?? logs.map((f) => path.basename(f));
      const panels: Panel[] = o.keys.map((key) => {
        const curves = recs.map((r) => curve(r, key));
        return {
          title: o.title ? `${o.title}: ${key}` : key,
          xLabel: curves[0].axis,
          xInteger: curves[0].axis === 'epoch',
          yLabel: key,
          series: curves.map((c, i) => ({ name: `${names[i]} ${key}`, points: c.points })),
        };
      });
      await writePng(o.out, chartSvg(panels, { width: Number(o.width) }));
      console.log(`saved curves of ${o.keys.join(', ')} to ${o.out}`);
    });
  program
    .command('cal_train_time')
    .argument('<logs...>', '.log.json files')
    .option('--include-outliers', 'count the first iteration of each epoch too')
    .action((logs: string[], o: { includeOutliers?: boolean }) => {
      for (const f of logs) {
        const t = trainTime(loadJsonLog(f), o.includeOutliers);
        console.log(`-----Analyze train time of ${f}-----`);
        console.log(`slowest epoch ${t.slowestEpoch}, average time is ${t.slowest.toFixed(4)}`);
        console.log(`fastest epoch ${t.fastestEpoch}, average time is ${t.fastest.toFixed(4)}`);
        console.log(`time std over epochs is ${t.std.toFixed(4)}`);
        console.log(`average iter time: ${t.mean.toFixed(4)} s/iter\n`);
      }
    });
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (e) {
    const code = (e as { exitCode?: number }).exitCode;
    if (code !== undefined) return code;
    console.error(`analyze-logs: ${describeError(e)}`);
    return 1;
  }
}

runMain(main);
