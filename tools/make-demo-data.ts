/**
 * Generates the synthetic FER demo dataset in RAF-DB layout.
 *
 *   npx tsx tools/make-demo-data.ts OUT_DIR [--train 3000] [--test 700] [--seed 0] [--size 112]
 *
 * Writes OUT_DIR/EmoLabel/{train,test}.txt and OUT_DIR/Image/aligned/*.jpg;
 * point a RAF dataset at data_prefix OUT_DIR/Image/aligned.
 */
import path from 'path';
import { Command, InvalidArgumentError } from 'commander';
import { makeDemoData } from '../src/data/demo-data';
import { ProgressBar } from '../src/runner/progress';

function int(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer >= ${min}, got '${v}'`);
    return n;
  };
}

async function main(): Promise<void> {
  const program = new Command('make-demo-data')
    .description('generate a deterministic synthetic facial-expression dataset in RAF-DB layout')
    .argument('<out_dir>', 'output folder')
    .option('--train <n>', 'training images', int('--train', 0), 3000)
    .option('--test <n>', 'test images', int('--test', 0), 700)
    .option('--seed <s>', 'random seed', int('--seed', 0), 0)
    .option('--size <px>', 'image side in pixels', int('--size', 16), 112)
    .parse(process.argv);
  const out = path.resolve(program.args[0]);
  const o = program.opts<{ train: number; test: number; seed: number; size: number }>();
  const t0 = Date.now();
  const bar = new ProgressBar(o.train + o.test, 'images', { lines: true });
  let s;
  try {
    s = await makeDemoData(out, { ...o, onProgress: (done) => bar.update(done) });
  } finally {
    bar.stop();
  }
  console.log(`wrote ${s.train} train + ${s.test} test images (${s.size}x${s.size}, seed ${s.seed}) to ${out} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  console.log(`  RAF data_prefix: ${s.dataPrefix}`);
  console.log(`  ann files:       ${path.join(out, 'EmoLabel', 'train.txt')}, ${path.join(out, 'EmoLabel', 'test.txt')}`);
}

main().catch((e) => {
  console.error(`make-demo-data: ${(e as Error).message}`);
  process.exitCode = 1;
});
