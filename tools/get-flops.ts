/**
 * mmcls `tools/analysis_tools/get_flops.py`: parameters and FLOPs of a
 * config's model for one input, in total and per module.
 *
 *   npx tsx tools/get-flops.ts CONFIG [--shape 112 112] [--depth 2] [--backend NAME] [--cfg-options k=v ...]
 *
 * FLOPs are multiply-accumulates of convolutions and matrix products, as
 * mmcv counts them; unlike mmcv's module hooks, the attention matrix
 * products (QK^T, AV) are included. No checkpoint is needed: the weights are
 * random, which does not change the cost except where attentive pooling picks tokens.
 */
import { Command } from 'commander';
import '../src';
import { describeError } from '../src/runner/api/cli-errors';
import { tf } from '../src/tf';
import { loadRunConfig, selectBackend } from '../src/runner/api/cli';
import { buildModel } from '../src/runner/api/build';
import { testPipeline } from '../src/runner/api/infer';
import type { Module } from '../src/nn/module';
import { Logger } from '../src/runner/logger';
import { costTable, human, moduleCosts } from './lib/flops';
import { parseArgv } from './lib/cli';

import type { Dict } from '../src/utils/dict';

/** The test pipeline's last Resize/CenterCrop size, else 224 (mmcls's default). */
function defaultShape(cfg: Dict): [number, number] {
  let shape: [number, number] = [224, 224];
  try {
    for (const t of testPipeline(cfg) as Dict[]) {
      const s = t.size ?? t.crop_size;
      if ((t.type === 'Resize' || t.type === 'CenterCrop') && s !== undefined) {
        shape = Array.isArray(s) ? [Number(s[0]), Number(s[1])] : [Number(s), Number(s)];
      }
    }
  } catch {
    /* no test pipeline: keep the default */
  }
  return shape;
}

async function main(argv: string[]): Promise<number> {
  const program = new Command('get-flops')
    .description('parameters and FLOPs (MACs) of a model, per module')
    .argument('<config>', 'config file')
    .option('--shape <hw...>', 'input height and width (default: the test pipeline size)')
    .option('--depth <n>', 'deepest module level in the table', '2')
    .option('--backend <name>', 'tensorflow, wasm or cpu (default: the best present; the counts do not depend on it)')
    .option('--cfg-options <pairs...>', 'override config keys: a.b=1 c.0.d=x');
  const exit = parseArgv(program, argv);
  if (exit !== undefined) return exit;
  const o = program.opts<{ shape?: string[]; depth: string; backend?: string; cfgOptions?: string[] }>();
  const logger = new Logger();
  try {
    await selectBackend(o.backend, logger);
    const config = loadRunConfig(program.args[0], o.cfgOptions, logger);
    let [h, w] = defaultShape(config.cfg);
    if (o.shape) {
      const s = o.shape.map(Number);
      if (!(s.length === 1 || s.length === 2) || s.some((v) => !Number.isInteger(v) || v < 1)) throw new Error(`--shape: give H or H W as positive integers, got ${o.shape.join(' ')}`);
      [h, w] = s.length === 1 ? [s[0], s[0]] : [s[0], s[1]];
    }
    const model = await buildModel(config.cfg, { loadPretrained: false });
    model.eval();
    const input = tf.tidy(() => tf.randomNormal([1, h, w, 3], 0, 1, 'float32', 0));
    const batch = { img: { data: input.dataSync() as Float32Array, shape: [1, h, w, 3] }, indices: [0] };
    input.dispose();
    const { modules, totalMacs } = await moduleCosts(model as unknown as Module, () => model.testStep(batch));
    const params = modules[0].params;
    const line = '='.repeat(30);
    process.stdout.write(`${costTable(modules, Number(o.depth))}\n\n${line}\nInput shape: (3, ${h}, ${w})\nFlops: ${human(totalMacs)}FLOPs\nParams: ${human(params).trim()}\n${line}\n`);
    process.stdout.write('FLOPs here are multiply-accumulates (as mmcv counts them), attention matrix products included.\n');
    return 0;
  } catch (e) {
    logger.error(describeError(e));
    return 1;
  }
}

main(process.argv).then((code) => process.exit(code));
