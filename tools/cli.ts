#!/usr/bin/env node
/**
 * The `fer-mm` command of the installed package: `fer-mm <tool> [args...]` runs
 * tools/<tool> (train, test, infer, print-config, ...) with the remaining
 * arguments, exactly as `npx tsx tools/<tool>.ts [args...]` does in the repository.
 *
 *   fer-mm train configs/apvit/RAF.ts --work-dir work_dirs/raf
 *   fer-mm --help
 */
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { tsxExecArgv } from '../src/distributed/launcher';

/** Subcommand -> what it does (the tool file is tools/<subcommand>). */
export const TOOLS: Record<string, string> = {
  train: 'train a model from a config',
  test: 'evaluate a checkpoint on the config\'s test split',
  infer: 'classify images (or every face of photos: --detect) with a checkpoint',
  'print-config': 'print the resolved config',
  'list-components': 'list the registered components',
  'convert-checkpoint': 'convert a checkpoint between .pth and .safetensors',
  'verify-checkpoint': 'compare a converted checkpoint with its source',
  'analyze-logs': 'plot or summarise training logs',
  'analyze-results': 'show the best and worst test images',
  'get-flops': 'count the FLOPs and parameters of a model',
  'vis-lr': 'plot a config\'s learning-rate schedule',
  'vis-tokens': 'show which tokens attentive pooling keeps',
  'browse-dataset': 'write a dataset\'s transformed images to disk',
  'make-demo-data': 'generate the synthetic demo dataset',
  'align-faces': 'detect and align the faces of a folder of photos',
  demo: 'generate demo data, then train and test on it',
  'seed-sweep': 'train and test one config over several seeds',
  benchmark: 'time training iterations',
  'benchmark-data': 'time the data pipeline',
  'benchmark-dist': 'time multi-process collectives',
  'benchmark-infer': 'time inference',
  'benchmark-kernels': 'time the wasm training kernels',
};

function usage(): string {
  const width = Math.max(...Object.keys(TOOLS).map((t) => t.length));
  const lines = Object.entries(TOOLS).map(([t, what]) => `  ${t.padEnd(width)}  ${what}`);
  return ['Usage: fer-mm <command> [args...]   (fer-mm <command> --help for its options)', '', 'Commands:', ...lines, ''].join('\n');
}

/** The tool's file beside this one: .js in the built package, .ts from source. */
export function toolScript(name: string): string {
  const ext = path.extname(__filename) || '.js';
  return path.join(__dirname, `${name}${ext}`);
}

export function main(argv: string[]): number {
  const [cmd, ...rest] = argv.slice(2);
  if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(usage());
    return cmd === undefined ? 1 : 0;
  }
  if (!Object.hasOwn(TOOLS, cmd)) {
    process.stderr.write(`fer-mm: unknown command '${cmd}'\n\n${usage()}`);
    return 2;
  }
  const script = toolScript(cmd);
  if (!fs.existsSync(script)) {
    process.stderr.write(`fer-mm: ${cmd}: ${script} is missing from this installation\n`);
    return 2;
  }
  // A child process, not require(): each tool owns its process (exit codes, signal handling, the launcher's ranks).
  const r = spawnSync(process.execPath, [...tsxExecArgv(script), script, ...rest], { stdio: 'inherit' });
  if (r.error) {
    process.stderr.write(`fer-mm: ${cmd}: ${r.error.message}\n`);
    return 1;
  }
  return r.status ?? 1;
}

if (require.main === module) process.exitCode = main(process.argv);
