/**
 * Converts a checkpoint to our format (or between formats):
 *   npx tsx tools/convert-checkpoint.ts IN.pth OUT[.safetensors] [--keep-optimizer] [--no-strip-module] [--unwrap KEY...]
 * OUT without an extension gets `.safetensors`; OUT ending in `.pth` writes an
 * mmcv-style torch archive instead.
 */
import { Command } from 'commander';
import { convertCheckpoint } from '../src/checkpoint/convert';
import { ProgressBar } from '../src/runner/progress';
import { DEBUG_ENV, describeError } from '../src/runner/api/cli-errors';

const program = new Command()
  .name('convert-checkpoint')
  .description('Convert an official PyTorch/mmcv checkpoint (.pth) to our safetensors format, keeping its meta')
  .argument('<input>', 'checkpoint to read (.pth zip archive or .safetensors; a `latest` pointer or a work dir works)')
  .argument('<output>', 'file to write (.safetensors appended when no extension; .pth writes a torch archive)')
  .option('--keep-optimizer', 'also convert the optimizer state', false)
  .option('--no-strip-module', "keep a 'module.' key prefix (stripped by default, like mmcv)")
  .option('--unwrap <keys...>', 'container keys holding the state_dict, tried in order', ['state_dict'])
  .option('--debug', `print the stack of an error (or set ${DEBUG_ENV}=1)`)
  .action((input: string, output: string, o: { keepOptimizer: boolean; stripModule: boolean; unwrap: string[] }) => {
    // Two steps (read, write); each can take a while for a large .pth.
    const bar = new ProgressBar(2, 'convert', { lines: true });
    let s;
    try {
      s = convertCheckpoint(input, output, {
        keepOptimizer: o.keepOptimizer,
        reviseKeys: o.stripModule ? undefined : [],
        unwrap: o.unwrap,
        onStage: (stage) => bar.update(stage === 'read' ? 1 : 2),
      });
    } finally {
      bar.stop();
    }
    console.log(`${s.input} -> ${s.output}`);
    console.log(`  ${s.tensors} tensors, ${s.elements} elements; meta keys: ${s.metaKeys.join(', ') || '(none)'}`);
    if (s.ignoredKeys.length) console.log(`  skipped non-tensor entries: ${s.ignoredKeys.join(', ')}`);
    console.log(`  optimizer: ${s.optimizer}`);
  });

try {
  program.parse(process.argv);
} catch (e) {
  console.error(describeError(e));
  process.exit(1);
}
